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

std::vector<FlushPart> SplitPerRequest(FlushPart part, int worker) {
  std::vector<FlushPart> out;
  for (size_t i = 0; i < part.batches.size(); ++i) {
    WriteTarget t = part.target;
    std::vector<uint64_t> lsns;
    if (!part.lsns.empty()) {
      lsns.push_back(part.lsns[i]);
      t.file_stem = WalFlushStem(worker, part.lsns[i], part.lsns[i]);
    } else {
      t.file_stem = part.target.file_stem + "-" + std::to_string(i);
    }
    std::vector<Batch> one;
    one.push_back(std::move(part.batches[i]));
    out.push_back(MakePart(std::move(t), std::move(one), std::move(lsns)));
  }
  return out;
}

}  // namespace arc
