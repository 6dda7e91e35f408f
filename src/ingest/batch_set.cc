#include "ingest/batch_set.h"

#include "ingest/names.h"

namespace arc {

Status BatchSet::GetOrCreate(std::string_view measurement, Batch** out) {
  for (Batch& b : batches_) {
    if (b.measurement == measurement) {
      *out = &b;
      return Status::OK();
    }
  }
  ARC_RETURN_IF_ERROR(ValidateMeasurementName(measurement));
  Batch& b = batches_.emplace_back();
  b.database = database_;
  b.measurement = std::string(measurement);
  *out = &b;
  return Status::OK();
}

size_t BatchSet::TotalRows() const {
  size_t n = 0;
  for (const Batch& b : batches_) n += b.rows();
  return n;
}

}  // namespace arc
