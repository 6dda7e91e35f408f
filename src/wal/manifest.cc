#include "wal/manifest.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "wal/format.h"
#include "wal/segment_name.h"

namespace arc::wal {

Manifest::Manifest(FileSystem* fs, std::string dir, int worker)
    : fs_(fs), dir_(std::move(dir)), path_(JoinPath(dir_, ManifestName(worker))), worker_(worker) {}

Status Manifest::Load() {
  Result<std::string> text = fs_->ReadFile(path_);
  if (!text.ok()) return text.status().code() == StatusCode::kNotFound ? Status::OK() : text.status();
  const size_t nl = text->find('\n');
  unsigned long crc = 0;
  int version = 0;
  if (nl == std::string::npos ||
      std::sscanf(text->c_str(), "ARCMANIFEST %d %lu", &version, &crc) != 2 || version != 1) {
    return Status::Corruption(path_ + ": not a version 1 manifest");
  }
  std::string body = text->substr(nl + 1);
  while (!body.empty() && body.back() == '\n') body.pop_back();
  if (MaskCrc(Crc32c(body)) != crc) return Status::Corruption(path_ + ": checksum mismatch");
  try {
    const nlohmann::json j = nlohmann::json::parse(body);
    std::lock_guard<std::mutex> lock(mu_);
    watermark_ = j.at("watermark").get<uint64_t>();
    persisted_watermark_ = watermark_;
    for (const auto& r : j.at("flushed")) {
      ranges_.push_back({r.at("db").get<std::string>(), r.at("m").get<std::string>(),
                         r.at("first").get<uint64_t>(), r.at("last").get<uint64_t>()});
    }
  } catch (const std::exception& e) {
    return Status::Corruption(path_ + ": " + e.what());
  }
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

std::string Manifest::Serialize() const {
  nlohmann::json flushed = nlohmann::json::array();
  for (const FlushedRange& r : ranges_) {
    flushed.push_back({{"db", r.db}, {"m", r.measurement}, {"first", r.first}, {"last", r.last}});
  }
  const std::string body =
      nlohmann::json{{"worker", worker_}, {"watermark", watermark_}, {"flushed", flushed}}.dump();
  return "ARCMANIFEST 1 " + std::to_string(MaskCrc(Crc32c(body))) + "\n" + body + "\n";
}

Result<uint64_t> Manifest::Persist() {
  std::lock_guard<std::mutex> persist(persist_mu_);  // one writer of the file at a time
  std::string text;
  uint64_t watermark = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    text = Serialize();
    watermark = watermark_;
  }
  ARC_RETURN_IF_ERROR(WriteFileAtomically(fs_, path_, text));
  std::lock_guard<std::mutex> lock(mu_);
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
