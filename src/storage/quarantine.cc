#include "storage/quarantine.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/logging.h"
#include "common/time_format.h"
#include "wal/format.h"
#include "wal/segment_reader.h"

namespace arc {
namespace {

constexpr char kDataExt[] = ".arcq";
constexpr char kDescriptionExt[] = ".json";

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A WAL segment of worker 0 with one records entry per payload (LSNs 1..n).
std::string EncodeSegment(const std::vector<std::string>& payloads, int64_t created_us) {
  wal::SegmentHeader h;
  h.worker = 0;
  h.segment = 1;
  h.first_lsn = 1;
  h.created_us = created_us;
  std::string out = wal::EncodeSegmentHeader(h);
  uint64_t lsn = 1;
  for (const std::string& p : payloads) {
    wal::EntryHeader e;
    e.length = static_cast<uint32_t>(p.size());
    e.lsn = lsn++;
    e.segment = 1;
    char header[wal::kEntryHeaderSize];
    wal::EncodeEntryHeader(e, p, header);
    out.append(header, wal::kEntryHeaderSize);
    out += p;
  }
  return out;
}

nlohmann::json Describe(const QuarantineRecord& r) {
  return {{"id", r.id},           {"database", r.database}, {"measurement", r.measurement},
          {"rows", r.rows},       {"entries", r.entries},   {"reason", r.reason},
          {"source", r.source},   {"created_us", r.created_us}, {"key", r.key}};
}

}  // namespace

bool IsQuarantineId(const std::string& id) {
  if (id.size() < 4 || id.size() > 64 || id[0] != 'q') return false;
  const size_t dash = id.find('-');
  if (dash == std::string::npos || dash == 1 || dash + 1 == id.size()) return false;
  for (size_t i = 1; i < id.size(); ++i) {
    if (i != dash && (id[i] < '0' || id[i] > '9')) return false;
  }
  return true;
}

Quarantine::Quarantine(FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}

std::string Quarantine::DataPath(const std::string& id) const { return JoinPath(dir_, id + kDataExt); }
std::string Quarantine::DescriptionPath(const std::string& id) const {
  return JoinPath(dir_, id + kDescriptionExt);
}

Status Quarantine::Open() {
  ARC_RETURN_IF_ERROR(fs_->CreateDirs(dir_));
  ARC_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, fs_->ListDir(dir_));
  for (const DirEntry& e : entries) {
    if (EndsWith(e.name, ".tmp")) {
      (void)fs_->Remove(JoinPath(dir_, e.name));
      continue;
    }
    if (EndsWith(e.name, kDescriptionExt)) {
      const std::string id = e.name.substr(0, e.name.size() - sizeof(kDescriptionExt) + 1);
      if (IsQuarantineId(id) && !fs_->Exists(DataPath(id))) (void)fs_->Remove(JoinPath(dir_, e.name));
      continue;
    }
    if (!EndsWith(e.name, kDataExt)) continue;
    const std::string id = e.name.substr(0, e.name.size() - sizeof(kDataExt) + 1);
    if (!IsQuarantineId(id) || fs_->Exists(DescriptionPath(id))) continue;
    // Written before a crash that came before its description: keep it, say what is known.
    QuarantineRecord r;
    r.id = id;
    r.reason = "description lost in a crash; the rows are intact";
    r.source = "unknown";
    Result<std::vector<std::string>> payloads = ReadPayloads(id);
    r.entries = payloads.ok() ? payloads->size() : 0;
    ARC_RETURN_IF_ERROR(WriteFileAtomically(fs_, DescriptionPath(id), Describe(r).dump()));
  }
  return Recount();
}

Status Quarantine::Recount() {
  ARC_ASSIGN_OR_RETURN(std::vector<QuarantineRecord> records, List());
  std::lock_guard<std::mutex> lock(mu_);
  totals_.records = records.size();
  totals_.rows = 0;
  for (const QuarantineRecord& r : records) totals_.rows += r.rows;
  return Status::OK();
}

Result<QuarantineRecord> Quarantine::Add(const std::string& database, const std::string& measurement,
                                         const std::vector<std::string>& payloads, uint64_t rows,
                                         const std::string& reason, const std::string& source,
                                         const std::string& key) {
  std::lock_guard<std::mutex> adding(add_mu_);  // the key check and the write are one step
  if (!key.empty()) {
    ARC_ASSIGN_OR_RETURN(std::vector<QuarantineRecord> existing, List());
    for (QuarantineRecord& r : existing) {
      if (r.key == key) return r;
    }
  }
  QuarantineRecord r;
  r.key = key;
  r.created_us = NowUs();
  r.id = "q" + std::to_string(r.created_us) + "-" + std::to_string(next_++);
  r.database = database;
  r.measurement = measurement;
  r.reason = reason.substr(0, 2000);
  r.source = source;
  r.rows = rows;
  r.entries = payloads.size();
  const std::string data = EncodeSegment(payloads, r.created_us);
  r.bytes = data.size();
  // The rows first: a description without rows would promise what is not there.
  ARC_RETURN_IF_ERROR(WriteFileAtomically(fs_, DataPath(r.id), data));
  ARC_RETURN_IF_ERROR(WriteFileAtomically(fs_, DescriptionPath(r.id), Describe(r).dump()));
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++totals_.records;
    totals_.rows += rows;
    totals_.rows_added += rows;
  }
  LOG_ERROR("quarantined " << rows << " rows of " << database << "." << measurement << " as " << r.id
            << " (" << source << "): " << r.reason
            << "; list with GET /api/v1/quarantine, replay with POST /api/v1/quarantine/replay");
  return r;
}

Result<std::vector<QuarantineRecord>> Quarantine::List() const {
  ARC_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, fs_->ListDir(dir_));
  std::vector<QuarantineRecord> out;
  for (const DirEntry& e : entries) {
    if (!EndsWith(e.name, kDescriptionExt)) continue;
    const std::string id = e.name.substr(0, e.name.size() - sizeof(kDescriptionExt) + 1);
    if (!IsQuarantineId(id) || !fs_->Exists(DataPath(id))) continue;
    Result<std::string> text = fs_->ReadFile(JoinPath(dir_, e.name));
    if (!text.ok()) continue;  // removed meanwhile
    QuarantineRecord r;
    r.id = id;
    try {
      const nlohmann::json j = nlohmann::json::parse(*text);
      r.database = j.value("database", "");
      r.measurement = j.value("measurement", "");
      r.reason = j.value("reason", "");
      r.source = j.value("source", "");
      r.rows = j.value("rows", uint64_t{0});
      r.entries = j.value("entries", uint64_t{0});
      r.created_us = j.value("created_us", int64_t{0});
      r.key = j.value("key", "");
    } catch (const std::exception& ex) {
      r.reason = std::string("unreadable description: ") + ex.what();
    }
    Result<uint64_t> size = fs_->FileSize(DataPath(id));
    r.bytes = size.ok() ? *size : 0;
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const QuarantineRecord& a, const QuarantineRecord& b) {
    return a.created_us != b.created_us ? a.created_us > b.created_us : a.id > b.id;
  });
  return out;
}

Result<std::vector<std::string>> Quarantine::ReadPayloads(const std::string& id) const {
  if (!IsQuarantineId(id)) return Status::NotFound("no quarantine record " + id.substr(0, 80));
  if (!fs_->Exists(DataPath(id))) return Status::NotFound("no quarantine record " + id);
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<wal::SegmentReader> reader, wal::SegmentReader::Open(fs_, DataPath(id)));
  std::vector<std::string> out;
  for (wal::ReadEvent e = reader->Next(); e.kind != wal::ReadEvent::Kind::kEnd; e = reader->Next()) {
    if (e.kind == wal::ReadEvent::Kind::kCorruption) {
      return Status::Corruption("quarantine record " + id + " is damaged at offset " +
                                std::to_string(e.offset));
    }
    out.emplace_back(e.payload);
  }
  return out;
}

Status Quarantine::Remove(const std::string& id) {
  if (!IsQuarantineId(id) || !fs_->Exists(DescriptionPath(id))) {
    return Status::NotFound("no quarantine record " + id.substr(0, 80));
  }
  // The rows first: a crash in between leaves a description without rows, which Open removes.
  // (The other order could bring back rows that were already replayed.)
  Status st = fs_->Remove(DataPath(id));
  if (!st.ok() && st.code() != StatusCode::kNotFound) return st;
  ARC_RETURN_IF_ERROR(fs_->Remove(DescriptionPath(id)));
  ARC_RETURN_IF_ERROR(fs_->SyncDir(dir_));
  return Recount();
}

Status Quarantine::Shrink(const std::string& id, const std::vector<std::string>& remaining,
                          uint64_t rows, const std::string& reason) {
  if (!IsQuarantineId(id) || !fs_->Exists(DescriptionPath(id))) {
    return Status::NotFound("no quarantine record " + id.substr(0, 80));
  }
  Result<std::string> text = fs_->ReadFile(DescriptionPath(id));
  ARC_RETURN_IF_ERROR(text.status());
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded()) j = nlohmann::json::object();
  j["rows"] = rows;
  j["entries"] = remaining.size();
  j["reason"] = reason.substr(0, 2000);
  // The rows first: after a crash in between, the description overstates the rows, never the
  // other way round (which would hide rows already replayed).
  ARC_RETURN_IF_ERROR(WriteFileAtomically(fs_, DataPath(id), EncodeSegment(remaining, j.value("created_us", int64_t{0}))));
  ARC_RETURN_IF_ERROR(WriteFileAtomically(fs_, DescriptionPath(id), j.dump()));
  return Recount();
}

Quarantine::Totals Quarantine::totals() const {
  std::lock_guard<std::mutex> lock(mu_);
  return totals_;
}

}  // namespace arc
