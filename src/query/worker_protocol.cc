#include "query/worker_protocol.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace arc {

std::string QueryFilesParameter(size_t k) { return "arc_files_" + std::to_string(k); }
std::string QueryUnionParameter(size_t k) { return "arc_union_" + std::to_string(k); }

namespace {

Status WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "query worker socket");
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

Status ReadAll(int fd, char* p, size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "query worker socket");
    }
    if (r == 0) return Status::IOError("query worker closed the connection");
    p += r;
    n -= static_cast<size_t>(r);
  }
  return Status::OK();
}

}  // namespace

Status WriteWorkerMessage(int fd, WorkerMessage type, std::string_view payload) {
  char header[12];
  const uint32_t t = static_cast<uint32_t>(type);
  const uint64_t len = payload.size();
  std::memcpy(header, &t, 4);
  std::memcpy(header + 4, &len, 8);
  ARC_RETURN_IF_ERROR(WriteAll(fd, header, sizeof(header)));
  return WriteAll(fd, payload.data(), payload.size());
}

Status ReadWorkerMessage(int fd, WorkerMessage* type, std::string* payload, uint64_t max_payload) {
  char header[12];
  ARC_RETURN_IF_ERROR(ReadAll(fd, header, sizeof(header)));
  uint32_t t = 0;
  uint64_t len = 0;
  std::memcpy(&t, header, 4);
  std::memcpy(&len, header + 4, 8);
  if (t < 1 || t > 6) return Status::IOError("query worker sent an unknown message");
  if (len > max_payload) return Status::IOError("query worker message too large");
  *type = static_cast<WorkerMessage>(t);
  payload->resize(len);
  return ReadAll(fd, payload->data(), len);
}

}  // namespace arc
