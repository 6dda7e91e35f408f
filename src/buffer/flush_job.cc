#include "buffer/flush_job.h"

#include "storage/partition_layout.h"

namespace arc {

size_t FlushJob::rows() const {
  size_t n = 0;
  for (const FlushPart& p : parts) n += p.rows;
  return n;
}

size_t FlushJob::bytes() const {
  size_t n = 0;
  for (const FlushPart& p : parts) n += p.bytes;
  return n;
}

FlushPart MakePart(WriteTarget target, std::vector<Batch> batches, std::vector<uint64_t> lsns) {
  FlushPart part;
  part.target = std::move(target);
  for (const Batch& b : batches) {
    part.rows += b.rows();
    part.bytes += b.MemoryBytes();
  }
  part.batches = std::move(batches);
  part.lsns = std::move(lsns);
  return part;
}

std::pair<FlushPart, FlushPart> Bisect(FlushPart part, int worker) {
  const size_t half = part.batches.size() / 2;
  auto piece = [&](size_t from, size_t to, const char* suffix) {
    WriteTarget t = part.target;
    std::vector<uint64_t> lsns;
    if (!part.lsns.empty()) {
      lsns.assign(part.lsns.begin() + static_cast<std::ptrdiff_t>(from),
                  part.lsns.begin() + static_cast<std::ptrdiff_t>(to));
      t.file_stem = WalFlushStem(worker, lsns.front(), lsns.back());
    } else {
      t.file_stem = part.target.file_stem + suffix;
    }
    std::vector<Batch> batches;
    for (size_t i = from; i < to; ++i) batches.push_back(std::move(part.batches[i]));
    FlushPart p = MakePart(std::move(t), std::move(batches), std::move(lsns));
    p.stale_files = part.stale_files;  // either half may be published first
    p.seq = part.seq;
    return p;
  };
  FlushPart first = piece(0, half, "-a");
  FlushPart second = piece(half, part.batches.size(), "-b");
  return {std::move(first), std::move(second)};
}

}  // namespace arc
