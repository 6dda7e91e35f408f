// arc_loadgen: a load generator for arc (and any InfluxDB-line-protocol server).
// Pre-builds realistic batches (1,000 hosts, 3 regions, 4 fields), POSTs them over C
// keep-alive connections for D seconds, prints records/s accepted (2xx only), MB/s,
// p50/p99 latency and, given --pid, the server's peak RSS (VmHWM) and CPU per record; and its
// own CPU share.
//
//   arc_loadgen --port 8000 --format msgpack|lp --connections 8 --batch 5000 --duration 10
//               [--token T] [--db bench] [--path /write?db=bench] [--pid PID]
//               [--rate REQUESTS_PER_SEC] [--max-requests N_PER_CONNECTION]
//               [--time-base-s UNIX_SECONDS] [--time-step-us US] [--trace FILE]
// --trace writes one line per acknowledged request, "<start ms> <latency ms>" sorted by start
// (ms since the run began), to see when the slow requests happen.
// Row i of distinct batch b is at time base + (b * batch + i) * step (defaults: now, 1 µs);
// a larger step spreads the data over hours (the compaction benchmark).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <sys/resource.h>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ingest/msgpack_writer.h"

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string format = "msgpack";
  int connections = 8;
  int batch = 5000;
  double duration = 10;
  std::string token;
  std::string db = "bench";
  std::string path;  // default by format
  int pid = 0;
  int distinct_batches = 32;
  int64_t max_requests = 0;  // per connection; 0 = until the duration ends
  double rate = 0;           // total requests/s, paced; 0 = as fast as the server answers
  int64_t time_base_s = 0;   // 0 = now
  int64_t time_step_us = 1;
  std::string trace;  // --trace FILE; empty = none
};

constexpr int kHosts = 1000;
const char* const kRegions[] = {"us-east", "eu-west", "ap-south"};

struct Row {
  int host;
  int64_t t_us;
  double user, system, idle;
  int64_t procs;
};

std::vector<Row> MakeRows(int batch_index, int n, int64_t base_us, int64_t step_us) {
  std::vector<Row> rows;
  uint64_t seed = 0x9e3779b97f4a7c15ull * (batch_index + 1);
  auto rnd = [&] { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed; };
  for (int i = 0; i < n; ++i) {
    const int host = (batch_index * n + i) % kHosts;
    const double user = (rnd() % 10000) / 100.0, system = (rnd() % 5000) / 100.0;
    rows.push_back({host, base_us + (static_cast<int64_t>(batch_index) * n + i) * step_us, user, system,
                    std::max(0.0, 100 - user - system), static_cast<int64_t>(rnd() % 500)});
  }
  return rows;
}

std::string LineProtocol(const std::vector<Row>& rows) {
  std::string out;
  char buf[256];
  for (const Row& r : rows) {
    const int n = std::snprintf(buf, sizeof(buf),
                                "cpu,host=host-%d,region=%s usage_user=%.2f,usage_system=%.2f,"
                                "usage_idle=%.2f,processes=%lldi %lld000\n",
                                r.host, kRegions[r.host % 3], r.user, r.system, r.idle,
                                static_cast<long long>(r.procs), static_cast<long long>(r.t_us));
    out.append(buf, n);
  }
  return out;
}

std::string Msgpack(const std::vector<Row>& rows) {
  arc::MsgpackWriter p;
  const uint32_t n = static_cast<uint32_t>(rows.size());
  p.Map(3);
  p.Str("m"); p.Str("cpu");
  p.Str("tags"); p.Array(2); p.Str("host"); p.Str("region");
  p.Str("columns"); p.Map(7);
  p.Str("time"); p.Array(n); for (const Row& r : rows) p.Int(r.t_us);
  p.Str("host"); p.Array(n); for (const Row& r : rows) p.Str("host-" + std::to_string(r.host));
  p.Str("region"); p.Array(n); for (const Row& r : rows) p.Str(kRegions[r.host % 3]);
  p.Str("usage_user"); p.Array(n); for (const Row& r : rows) p.Double(r.user);
  p.Str("usage_system"); p.Array(n); for (const Row& r : rows) p.Double(r.system);
  p.Str("usage_idle"); p.Array(n); for (const Row& r : rows) p.Double(r.idle);
  p.Str("processes"); p.Array(n); for (const Row& r : rows) p.Int(r.procs);
  return std::move(p.out());  // doubles are float64 (0xcb), as a Python client sends them
}

struct Stats {
  uint64_t requests = 0, ok = 0, records = 0, body_bytes = 0;
  std::map<int, uint64_t> statuses;
  std::vector<uint32_t> latencies_us;
  std::vector<std::pair<uint64_t, uint32_t>> trace;  // (start µs since run start, latency µs)
};

int Connect(const Options& o) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  ::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Reads one response; returns its status or -1.
int ReadResponse(int fd, std::string* buf) {
  char tmp[4096];
  size_t end;
  while ((end = buf->find("\r\n\r\n")) == std::string::npos) {
    const ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return -1;
    buf->append(tmp, n);
  }
  const int status = std::atoi(buf->c_str() + 9);
  size_t len = 0;
  const std::string head = buf->substr(0, end);
  for (const char* key : {"Content-Length: ", "content-length: "}) {
    const size_t p = head.find(key);
    if (p != std::string::npos) len = std::strtoul(head.c_str() + p + std::strlen(key), nullptr, 10);
  }
  buf->erase(0, end + 4);
  while (buf->size() < len) {
    const ssize_t n = ::recv(fd, tmp, sizeof(tmp), 0);
    if (n <= 0) return -1;
    buf->append(tmp, n);
  }
  buf->erase(0, len);
  return status;
}

void RunConnection(const Options& o, const std::vector<std::string>& requests,
                   const std::vector<size_t>& body_sizes, int index,
                   std::chrono::steady_clock::time_point run_start,
                   std::chrono::steady_clock::time_point deadline, Stats* out) {
  int fd = Connect(o);
  std::string buf;
  size_t i = static_cast<size_t>(index);
  // With --rate, requests are scheduled at fixed times and latency counts from the scheduled
  // time, so a stalled server is charged for the requests it delayed (no coordinated omission).
  const auto interval = std::chrono::nanoseconds(
      o.rate > 0 ? static_cast<int64_t>(1e9 * o.connections / o.rate) : 0);
  auto scheduled = std::chrono::steady_clock::now() + interval * index / std::max(1, o.connections);
  while (fd >= 0 && std::chrono::steady_clock::now() < deadline &&
         (o.max_requests == 0 || static_cast<int64_t>(out->requests) < o.max_requests)) {
    const std::string& req = requests[i % requests.size()];
    if (o.rate > 0) {
      std::this_thread::sleep_until(scheduled);
    } else {
      scheduled = std::chrono::steady_clock::now();
    }
    const auto start = scheduled;
    scheduled += interval;
    size_t sent = 0;
    while (sent < req.size()) {
      const ssize_t n = ::send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += n;
    }
    const int status = sent == req.size() ? ReadResponse(fd, &buf) : -1;
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start).count();
    ++out->requests;
    ++out->statuses[status];
    if (status >= 200 && status < 300) {
      ++out->ok;
      out->records += o.batch;
      out->body_bytes += body_sizes[i % requests.size()];
      out->latencies_us.push_back(static_cast<uint32_t>(us));
      if (!o.trace.empty()) {
        const auto at = std::chrono::duration_cast<std::chrono::microseconds>(start - run_start).count();
        out->trace.emplace_back(static_cast<uint64_t>(std::max<int64_t>(0, at)), static_cast<uint32_t>(us));
      }
    }
    if (status < 0) {
      ::close(fd);
      buf.clear();
      fd = Connect(o);
    }
    i += o.connections;
  }
  if (fd >= 0) ::close(fd);
}

// CPU seconds (user + system) process `pid` has used so far, from /proc/<pid>/stat.
double CpuSeconds(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// CPU seconds this process (the load generator) has used so far.
double OwnCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long PeakRssKb(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--host") o.host = v;
    else if (k == "--port") o.port = std::atoi(v.c_str());
    else if (k == "--format") o.format = v;
    else if (k == "--connections") o.connections = std::atoi(v.c_str());
    else if (k == "--batch") o.batch = std::atoi(v.c_str());
    else if (k == "--duration") o.duration = std::atof(v.c_str());
    else if (k == "--token") o.token = v;
    else if (k == "--db") o.db = v;
    else if (k == "--path") o.path = v;
    else if (k == "--pid") o.pid = std::atoi(v.c_str());
    else if (k == "--distinct") o.distinct_batches = std::atoi(v.c_str());
    else if (k == "--max-requests") o.max_requests = std::atoll(v.c_str());
    else if (k == "--rate") o.rate = std::atof(v.c_str());
    else if (k == "--time-base-s") o.time_base_s = std::atoll(v.c_str());
    else if (k == "--time-step-us") o.time_step_us = std::atoll(v.c_str());
    else if (k == "--trace") o.trace = v;
    else { std::fprintf(stderr, "unknown option %s\n", k.c_str()); std::exit(2); }
  }
  if (o.format != "msgpack" && o.format != "lp") { std::fprintf(stderr, "--format msgpack|lp\n"); std::exit(2); }
  if (o.path.empty()) o.path = o.format == "msgpack" ? "/api/v1/write/msgpack" : "/write?db=" + o.db;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  const int64_t base_us = o.time_base_s > 0 ? o.time_base_s * 1000000
                                            : std::chrono::duration_cast<std::chrono::microseconds>(
                                                  std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<std::string> requests;
  std::vector<size_t> body_sizes;
  for (int b = 0; b < o.distinct_batches; ++b) {
    const std::vector<Row> rows = MakeRows(b, o.batch, base_us, o.time_step_us);
    const std::string body = o.format == "msgpack" ? Msgpack(rows) : LineProtocol(rows);
    std::string req = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + "\r\n";
    if (!o.token.empty()) req += "Authorization: Bearer " + o.token + "\r\n";
    if (o.format == "msgpack") req += "Content-Type: application/msgpack\r\nx-arc-database: " + o.db + "\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    requests.push_back(std::move(req));
    body_sizes.push_back(body.size());
  }
  std::vector<Stats> stats(o.connections);
  std::vector<std::thread> threads;
  const double server_cpu0 = o.pid > 0 ? CpuSeconds(o.pid) : 0, own_cpu0 = OwnCpuSeconds();
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::microseconds(static_cast<int64_t>(o.duration * 1e6));
  for (int c = 0; c < o.connections; ++c) {
    threads.emplace_back(RunConnection, std::cref(o), std::cref(requests), std::cref(body_sizes), c,
                         start, deadline, &stats[c]);
  }
  for (auto& t : threads) t.join();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double server_cpu = o.pid > 0 ? CpuSeconds(o.pid) - server_cpu0 : 0;
  const double own_cpu = OwnCpuSeconds() - own_cpu0;
  Stats all;
  for (Stats& s : stats) {
    all.requests += s.requests; all.ok += s.ok; all.records += s.records; all.body_bytes += s.body_bytes;
    for (auto& [k, v] : s.statuses) all.statuses[k] += v;
    all.latencies_us.insert(all.latencies_us.end(), s.latencies_us.begin(), s.latencies_us.end());
    all.trace.insert(all.trace.end(), s.trace.begin(), s.trace.end());
  }
  if (!o.trace.empty()) {
    std::sort(all.trace.begin(), all.trace.end());
    FILE* f = std::fopen(o.trace.c_str(), "w");
    if (f == nullptr) {
      std::fprintf(stderr, "cannot write the trace to %s\n", o.trace.c_str());
      return 2;
    }
    for (const auto& [at, us] : all.trace) std::fprintf(f, "%.3f %.3f\n", at / 1000.0, us / 1000.0);
    std::fclose(f);
  }
  std::sort(all.latencies_us.begin(), all.latencies_us.end());
  auto pct = [&](double p) {
    if (all.latencies_us.empty()) return 0.0;
    return all.latencies_us[std::min(all.latencies_us.size() - 1,
                                     static_cast<size_t>(p * all.latencies_us.size()))] / 1000.0;
  };
  std::printf("format=%s connections=%d batch=%d duration=%.1fs body=%.0f KB\n", o.format.c_str(),
              o.connections, o.batch, secs, body_sizes[0] / 1024.0);
  std::printf("requests=%llu ok=%llu", static_cast<unsigned long long>(all.requests),
              static_cast<unsigned long long>(all.ok));
  for (auto& [k, v] : all.statuses) {
    if (k < 200 || k >= 300) std::printf(" status_%d=%llu", k, static_cast<unsigned long long>(v));
  }
  std::printf("\nrecords_per_sec=%.0f mb_per_sec=%.1f\n", all.records / secs, all.body_bytes / secs / 1e6);
  std::printf("latency_ms p50=%.2f p99=%.2f max=%.2f\n", pct(0.50), pct(0.99), pct(1.0));
  if (o.pid > 0) std::printf("server_peak_rss_mb=%.1f\n", PeakRssKb(o.pid) / 1024.0);
  // CPU per acknowledged record while the load ran (work still queued then, e.g. the last
  // flushes, is not counted), and the load generator's own share of the cores.
  if (o.pid > 0 && all.records > 0) {
    std::printf("server_cpu_cores=%.2f server_cpu_ns_per_record=%.0f\n", server_cpu / secs,
                server_cpu * 1e9 / static_cast<double>(all.records));
  }
  std::printf("loadgen_cpu_cores=%.2f\n", own_cpu / secs);
  return all.ok > 0 ? 0 : 1;
}
