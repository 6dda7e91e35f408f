#include "wal/manifest.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/logging.h"
#include "wal/format.h"
#include "wal/segment_name.h"

namespace arc::wal {

namespace {

// One slot's contents, parsed and checked.
struct Parsed {
  int version = 0;
  uint64_t sequence = 0;  // version 1: 0
  uint64_t watermark = 0;
  std::vector<FlushedRange> ranges;
};

// Version 2's CRC covers the sequence too: a damaged digit must not make the older slot win.
std::string SequencedBody(uint64_t sequence, const std::string& body) {
  return std::to_string(sequence) + " " + body;
}

Result<Parsed> Parse(const std::string& path, const std::string& text) {
  const size_t nl = text.find('\n');
  if (nl == std::string::npos) return Status::Corruption(path + ": torn or empty manifest");
  const std::string head = text.substr(0, nl);
  unsigned long long sequence = 0;
  unsigned long crc = 0;
  int version = 0;
  char extra = 0;
  Parsed out;
  if (std::sscanf(head.c_str(), "ARCMANIFEST %d", &version) != 1) {
    return Status::Corruption(path + ": not a manifest");
  }
  if (version == 2 &&
      std::sscanf(head.c_str(), "ARCMANIFEST 2 %llu %lu%c", &sequence, &crc, &extra) == 2) {
    out.sequence = sequence;
  } else if (version != 1 || std::sscanf(head.c_str(), "ARCMANIFEST 1 %lu%c", &crc, &extra) != 1) {
    return Status::Corruption(path + ": not a version 1 or 2 manifest");
  }
  out.version = version;
  std::string body = text.substr(nl + 1);
  while (!body.empty() && body.back() == '\n') body.pop_back();
  if (MaskCrc(Crc32c(version == 2 ? SequencedBody(out.sequence, body) : body)) != crc) {
    return Status::Corruption(path + ": checksum mismatch");
  }
  try {
    const nlohmann::json j = nlohmann::json::parse(body);
    out.watermark = j.at("watermark").get<uint64_t>();
    for (const auto& r : j.at("flushed")) {
      out.ranges.push_back({r.at("db").get<std::string>(), r.at("m").get<std::string>(),
                            r.at("first").get<uint64_t>(), r.at("last").get<uint64_t>()});
    }
  } catch (const std::exception& e) {
    return Status::Corruption(path + ": " + e.what());
  }
  return out;
}

}  // namespace

Manifest::Manifest(FileSystem* fs, std::string dir, int worker)
    : fs_(fs),
      dir_(std::move(dir)),
      path_(JoinPath(dir_, ManifestName(worker))),
      alt_path_(path_ + ".alt"),
      worker_(worker) {}

// The newest valid slot wins; a torn one beside it is what a crash during a write leaves.
Status Manifest::Load() {
  std::lock_guard<std::mutex> persist(persist_mu_);
  const std::string paths[2] = {path_, alt_path_};
  std::optional<Parsed> best;
  std::string errors;
  for (int slot = 0; slot < 2; ++slot) {
    Result<std::string> text = fs_->ReadFile(paths[slot]);
    if (!text.ok() && text.status().code() == StatusCode::kNotFound) continue;
    if (!text.ok()) return text.status();
    slot_exists_[slot] = true;
    Result<Parsed> parsed = Parse(paths[slot], *text);
    if (!parsed.ok()) {
      errors += (errors.empty() ? "" : "; ") + parsed.status().message();
      continue;
    }
    if (slot == 0 && parsed->version == 1) rewrite_version1_ = true;
    if (!best || parsed->sequence > best->sequence) {
      best = std::move(*parsed);
      current_slot_ = slot;
    }
  }
  if (!best) {
    if (errors.empty()) return Status::OK();  // no manifest yet
    return Status::Corruption(errors);
  }
  if (!errors.empty()) {
    LOG_WARN("WAL manifest of worker " << worker_ << ": using sequence " << best->sequence << " of "
                                       << paths[current_slot_] << "; the other slot "
                                       << "was torn by a crash during its write (" << errors
                                       << ")");
  }
  std::lock_guard<std::mutex> lock(mu_);
  sequence_ = best->sequence;
  watermark_ = best->watermark;
  persisted_watermark_ = watermark_;
  ranges_ = std::move(best->ranges);
  return Status::OK();
}

void Manifest::Register(uint64_t lsn, size_t batches) {
  std::lock_guard<std::mutex> lock(mu_);
  if (lsn <= watermark_) return;
  max_registered_ = std::max(max_registered_, lsn);
  if (batches > 0) pending_[lsn] += static_cast<uint32_t>(batches);
  Advance();
}

bool Manifest::Complete(const std::string& db, const std::string& measurement,
                        const std::vector<uint64_t>& lsns) {
  if (lsns.empty()) return false;
  std::lock_guard<std::mutex> lock(mu_);
  const auto [lo, hi] = std::minmax_element(lsns.begin(), lsns.end());
  for (uint64_t lsn : lsns) {
    auto it = pending_.find(lsn);
    if (it == pending_.end()) continue;
    if (--it->second == 0) pending_.erase(it);
  }
  if (*hi > watermark_) ranges_.push_back({db, measurement, *lo, *hi});
  Advance();
  return true;
}

void Manifest::Advance() {
  const uint64_t reachable = pending_.empty() ? max_registered_ : pending_.begin()->first - 1;
  watermark_ = std::max(watermark_, reachable);
  ranges_.erase(std::remove_if(ranges_.begin(), ranges_.end(),
                               [&](const FlushedRange& r) { return r.last <= watermark_; }),
                ranges_.end());
}

std::string Manifest::Serialize(uint64_t sequence) const {
  nlohmann::json flushed = nlohmann::json::array();
  for (const FlushedRange& r : ranges_) {
    flushed.push_back({{"db", r.db}, {"m", r.measurement}, {"first", r.first}, {"last", r.last}});
  }
  const std::string body =
      nlohmann::json{{"worker", worker_}, {"watermark", watermark_}, {"flushed", flushed}}.dump();
  return "ARCMANIFEST 2 " + std::to_string(sequence) + " " +
         std::to_string(MaskCrc(Crc32c(SequencedBody(sequence, body)))) + "\n" + body + "\n";
}

Result<uint64_t> Manifest::Persist() {
  std::lock_guard<std::mutex> persist(persist_mu_);  // one writer of the slots at a time
  ARC_ASSIGN_OR_RETURN(const uint64_t watermark, PersistOnce());
  // An earlier build reads only slot 0: once this build has written, slot 0 must not hold the
  // (now stale) version 1 state, which that build would trust. A version 2 file it refuses.
  if (rewrite_version1_) {
    ARC_RETURN_IF_ERROR(PersistOnce().status());
    rewrite_version1_ = false;
  }
  return watermark;
}

// Writes the slot not holding the newest durable state, so a crash mid-write leaves that one.
// A slot's first write creates it whole (temp, fsync, rename, directory fsync): an empty or
// torn new file with no other slot beside it would stop the next start-up.
Result<uint64_t> Manifest::PersistOnce() {
  const int slot = current_slot_ == 0 ? 1 : 0;
  const std::string& path = slot == 0 ? path_ : alt_path_;
  std::string text;
  uint64_t watermark = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    text = Serialize(sequence_ + 1);
    watermark = watermark_;
  }
  Status st;
  if (!slot_exists_[slot]) {
    st = WriteFileAtomically(fs_, path, text);
  } else {
    Result<std::unique_ptr<WritableFile>> f = fs_->NewWritableFile(path, true);
    st = f.status();
    if (st.ok()) st = (*f)->Append(text);
    if (st.ok()) st = (*f)->Sync(SyncKind::kData);
    if (st.ok()) st = (*f)->Close();
  }
  // A failed write leaves this slot torn and the other current: the next try rewrites it.
  if (!st.ok()) return st.WithContext("WAL manifest " + path);
  slot_exists_[slot] = true;
  current_slot_ = slot;
  std::lock_guard<std::mutex> lock(mu_);
  ++sequence_;
  persisted_watermark_ = std::max(persisted_watermark_, watermark);
  return watermark;
}

void Manifest::StartAt(uint64_t next_lsn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (next_lsn == 0) return;
  // LSNs below next_lsn that recovery did not register were never written: flushed.
  max_registered_ = std::max(max_registered_, next_lsn - 1);
  Advance();
}

uint64_t Manifest::NextUnusedLsn() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t next = std::max(watermark_, max_registered_) + 1;
  for (const FlushedRange& r : ranges_) next = std::max(next, r.last + 1);
  return next;
}

uint64_t Manifest::persisted_watermark() const {
  std::lock_guard<std::mutex> lock(mu_);
  return persisted_watermark_;
}

uint64_t Manifest::watermark() const {
  std::lock_guard<std::mutex> lock(mu_);
  return watermark_;
}

bool Manifest::IsFlushed(const std::string& db, const std::string& m, uint64_t lsn) const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const FlushedRange& r) {
    return r.db == db && r.measurement == m && r.first <= lsn && lsn <= r.last;
  });
}

bool Manifest::IsRecorded(const std::string& db, const std::string& m, uint64_t first,
                          uint64_t last) const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const FlushedRange& r) {
    return r.db == db && r.measurement == m && r.first == first && r.last == last;
  });
}

std::vector<FlushedRange> Manifest::ranges() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ranges_;
}

}  // namespace arc::wal
