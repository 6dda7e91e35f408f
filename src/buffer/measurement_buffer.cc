#include "buffer/measurement_buffer.h"

namespace arc {

const MeasurementBuffer::ColumnInfo* MeasurementBuffer::Find(const std::string& name) const {
  for (const ColumnInfo& c : schema_) {
    if (EqualsIgnoringCase(c.name, name)) return &c;
  }
  return nullptr;
}

bool MeasurementBuffer::ConflictsWith(const Batch& batch) const {
  for (const Column& c : batch.columns) {
    const ColumnInfo* info = Find(c.name());
    if (info != nullptr && (info->type != c.type() || info->is_tag != c.is_tag())) return true;
  }
  return false;
}

void MeasurementBuffer::Add(Batch&& batch, uint64_t lsn) {
  if (lsn != 0) lsns_.push_back(lsn);
  for (const Column& c : batch.columns) {
    if (Find(c.name()) == nullptr) schema_.push_back({c.name(), c.type(), c.is_tag()});
  }
  rows_ += batch.rows();
  batches_.push_back(std::move(batch));
}

std::vector<uint64_t> MeasurementBuffer::TakeLsns() {
  std::vector<uint64_t> out = std::move(lsns_);
  lsns_.clear();
  return out;
}

std::vector<Batch> MeasurementBuffer::TakeBatches() {
  std::vector<Batch> out = std::move(batches_);
  batches_.clear();
  schema_.clear();
  rows_ = 0;
  return out;
}

}  // namespace arc
