#include "buffer/quarantine_replay.h"

#include <future>

#include "common/logging.h"
#include "ingest/batch_codec.h"

namespace arc {

QuarantineReplay::QuarantineReplay(Quarantine* quarantine, WriteFn write)
    : quarantine_(quarantine), write_(std::move(write)) {}

QuarantineReplay::~QuarantineReplay() { Stop(); }

void QuarantineReplay::Stop() {
  cancel_ = true;
  if (thread_.joinable()) thread_.join();
}

Status QuarantineReplay::Start(const std::string& id, DoneFn done) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancel_) return Status::Unavailable("the server is shutting down");
  if (running_) return Status::Unavailable("a quarantine replay is already running");
  if (!id.empty() && !IsQuarantineId(id)) return Status::NotFound("no quarantine record " + id.substr(0, 80));
  if (thread_.joinable()) thread_.join();  // the previous one has finished
  running_ = true;
  thread_ = std::thread([this, id, done = std::move(done)] {
    QuarantineReplayReport report = Run(id);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_ = false;
    }
    done(std::move(report));
  });
  return Status::OK();
}

QuarantineReplayReport QuarantineReplay::Run(const std::string& id) {
  QuarantineReplayReport report;
  Result<std::vector<QuarantineRecord>> records = quarantine_->List();
  if (!records.ok()) {
    report.failed.push_back({id, records.status().message()});
    return report;
  }
  bool found = id.empty();
  for (const QuarantineRecord& r : *records) {
    if (!id.empty() && r.id != id) continue;
    found = true;
    Status st = ReplayRecord(r, &report);
    if (!st.ok()) report.failed.push_back({r.id, st.message()});
  }
  if (!found) report.failed.push_back({id, "no quarantine record " + id});
  return report;
}

// Requests go one at a time and each waits for its acknowledgement; after each, the record is
// shrunk to the requests still to go. So a failure, a shutdown or a crash leaves exactly the
// unacknowledged requests in it (a crash between an acknowledgement and the shrink can send
// that one request twice: the only at-least-once step, one request wide).
Status QuarantineReplay::ReplayRecord(const QuarantineRecord& record, QuarantineReplayReport* report) {
  ARC_ASSIGN_OR_RETURN(std::vector<std::string> payloads, quarantine_->ReadPayloads(record.id));
  uint64_t rows_left = record.rows;
  for (size_t i = 0; i < payloads.size(); ++i) {
    if (cancel_) return Status::Unavailable("stopped by shutdown; the rest stays quarantined");
    std::unique_ptr<BatchSet> set;
    Status st = DecodeBatchSet(payloads[i], &set);
    if (!st.ok()) return st.WithContext("request " + std::to_string(i + 1) + " still does not decode");
    const size_t rows = set->TotalRows();
    std::promise<Status> acked;
    write_(std::move(*set), [&acked](Status s) { acked.set_value(s); });
    st = acked.get_future().get();
    if (!st.ok()) return st.WithContext("request " + std::to_string(i + 1) + " was refused");
    ++report->requests;
    report->rows += rows;
    rows_left = rows_left > rows ? rows_left - rows : 0;
    if (i + 1 < payloads.size()) {
      const std::vector<std::string> rest(payloads.begin() + static_cast<std::ptrdiff_t>(i + 1), payloads.end());
      ARC_RETURN_IF_ERROR(quarantine_->Shrink(record.id, rest, rows_left,
                                              record.reason + " (partly replayed)"));
    }
  }
  ARC_RETURN_IF_ERROR(quarantine_->Remove(record.id));
  ++report->records_replayed;
  LOG_INFO("quarantine record " << record.id << " replayed: " << payloads.size() << " requests, "
                                << record.rows << " rows");
  return Status::OK();
}

}  // namespace arc
