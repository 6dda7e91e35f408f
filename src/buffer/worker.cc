#include "buffer/worker.h"

#include <cstdio>

namespace arc {

Worker::Worker(int id, int64_t max_buffer_rows, Flusher* flusher, uint64_t boot_id)
    : id_(id), max_buffer_rows_(max_buffer_rows), flusher_(flusher), boot_id_(boot_id) {}

FlushJob Worker::Detach(const std::string& key, MeasurementBuffer* buffer) {
  FlushJob job;
  const size_t sep = key.find('\0');
  job.database = key.substr(0, sep);
  job.measurement = key.substr(sep + 1);
  job.worker = id_;
  job.sequence = next_sequence_++;
  job.rows = buffer->rows();
  job.batches = buffer->TakeBatches();
  char stem[80];
  std::snprintf(stem, sizeof(stem), "b%llu-w%d-%llu", static_cast<unsigned long long>(boot_id_),
                id_, static_cast<unsigned long long>(job.sequence));
  job.file_stem = stem;
  buffered_rows_ -= static_cast<int64_t>(job.rows);
  return job;
}

void Worker::Add(std::vector<Batch>&& batches, int64_t now_us) {
  std::vector<FlushJob> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Batch& b : batches) {
      if (b.rows() == 0) continue;
      std::string key = b.database + '\0' + b.measurement;
      auto it = buffers_.try_emplace(std::move(key), now_us).first;
      MeasurementBuffer& buf = it->second;
      if (!buf.empty() && buf.ConflictsWith(b)) ready.push_back(Detach(it->first, &buf));
      if (buf.empty()) buf = MeasurementBuffer(now_us);
      buffered_rows_ += static_cast<int64_t>(b.rows());
      buf.Add(std::move(b));
      if (static_cast<int64_t>(buf.rows()) >= max_buffer_rows_) {
        ready.push_back(Detach(it->first, &buf));
      }
    }
  }
  for (FlushJob& job : ready) flusher_->Submit(std::move(job));
}

void Worker::FlushOlderThan(int64_t cutoff_us) {
  std::vector<FlushJob> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = buffers_.begin(); it != buffers_.end();) {
      MeasurementBuffer& buf = it->second;
      if (!buf.empty() && buf.created_us() <= cutoff_us) ready.push_back(Detach(it->first, &buf));
      if (buf.empty()) it = buffers_.erase(it);
      else ++it;
    }
  }
  for (FlushJob& job : ready) flusher_->Submit(std::move(job));
}

int64_t Worker::buffered_rows() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buffered_rows_;
}

}  // namespace arc
