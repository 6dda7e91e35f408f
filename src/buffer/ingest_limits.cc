#include "buffer/ingest_limits.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "common/hash.h"

namespace arc {
namespace {

constexpr uint64_t kMeasurementSeed = 1, kTagNameSeed = 2;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status Refuse(const std::string& what, int64_t limit, const char* key) {
  return Status::InvalidArgument(what + ": the limit is " + std::to_string(limit) + " (" + key +
                                 "); nothing of this request was stored");
}

}  // namespace

std::vector<uint64_t> SeriesHashes(const Batch& batch) {
  std::vector<const Column*> tags;
  for (const Column& c : batch.columns) {
    if (c.is_tag()) tags.push_back(&c);
  }
  // The same tag set in another column order is the same series.
  std::sort(tags.begin(), tags.end(), [](const Column* a, const Column* b) { return a->name() < b->name(); });
  std::vector<uint64_t> name_hashes;
  // Measurement and tag names hash under different seeds: with one seed, XOR-ing them would
  // make "cpu,host=a" and "host,cpu=a" (and a tag named like its measurement) one series.
  for (const Column* c : tags) name_hashes.push_back(HashBytes(c->name(), kTagNameSeed));
  const uint64_t base = HashBytes(batch.measurement, kMeasurementSeed);
  std::vector<uint64_t> out;
  out.reserve(std::min<size_t>(batch.rows(), 4096));  // runs of one series collapse
  uint64_t previous = 0;
  for (size_t row = 0; row < batch.rows(); ++row) {
    uint64_t h = base;
    for (size_t t = 0; t < tags.size(); ++t) {
      if (!tags[t]->IsValid(row)) continue;
      // Each step seeds the value's hash with the series so far and the tag's name.
      h = HashBytes(tags[t]->StringAt(row), h ^ name_hashes[t]);
    }
    if (row > 0 && h == previous) continue;  // runs of one series are common
    previous = h;
    out.push_back(h);
  }
  KeepDistinct(&out);
  return out;
}

// An open-addressing table (linear probing, at most half full) rather than a sort or a node
// per value: sorting a 5,000-row request's hashes took ~7 % of the server's CPU under load.
// Up to 64K slots (512 KB) its memory is the calling thread's, reused from request to request.
void KeepDistinct(std::vector<uint64_t>* values) {
  constexpr size_t kReusedSlots = size_t{1} << 16;
  thread_local std::vector<uint64_t> reused;
  std::vector<uint64_t> own;
  int bits = 4;
  while ((size_t{1} << bits) < 2 * values->size()) ++bits;
  const size_t capacity = size_t{1} << bits;
  std::vector<uint64_t>& table = capacity <= kReusedSlots ? reused : own;
  table.assign(capacity, 0);  // 0 marks an empty slot; the value 0 is tracked on its own
  const size_t mask = capacity - 1;
  bool zero_seen = false;
  size_t kept = 0;
  for (const uint64_t v : *values) {
    bool fresh = false;
    if (v == 0) {
      fresh = !zero_seen;
      zero_seen = true;
    } else {
      // Fibonacci hashing: the top bits of v * 2^64/phi spread any input, sequences included.
      size_t slot = static_cast<size_t>((v * 0x9e3779b97f4a7c15ull) >> (64 - bits));
      while (table[slot] != 0 && table[slot] != v) slot = (slot + 1) & mask;
      fresh = table[slot] == 0;
      table[slot] = v;
    }
    if (fresh) (*values)[kept++] = v;
  }
  values->resize(kept);
}

IngestLimits::IngestLimits(CardinalityLimits limits) : limits_(limits) {}

void IngestLimits::Seed(const std::string& db, const std::string& measurement) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = databases_[db].measurements.try_emplace(measurement);
  (void)it;
  if (inserted) ++measurements_;
}

Status IngestLimits::Check(const BatchSet& set, Additions* out) const {
  // The hashing runs outside the lock; only lookups run inside.
  std::vector<std::vector<uint64_t>> series;
  if (limits_.max_series_per_database > 0) {
    for (const Batch& b : set.batches()) series.push_back(SeriesHashes(b));
  }
  const std::string& db = set.database();
  out->database = db;
  std::lock_guard<std::mutex> lock(mu_);
  auto db_it = databases_.find(db);
  if (db_it == databases_.end() && limits_.max_databases > 0 &&
      static_cast<int64_t>(databases_.size()) >= limits_.max_databases) {
    return Refuse("database \"" + db + "\" would be one too many", limits_.max_databases,
                  "ingest.max_databases");
  }
  static const DatabaseState kEmpty;
  const DatabaseState& state = db_it == databases_.end() ? kEmpty : db_it->second;
  size_t new_measurements = 0, total_new_series = 0;
  out->measurements.clear();
  out->columns.assign(set.batches().size(), {});
  out->series.assign(set.batches().size(), {});
  for (size_t i = 0; i < set.batches().size(); ++i) {
    const Batch& b = set.batches()[i];
    out->measurements.push_back(b.measurement);
    auto m_it = state.measurements.find(b.measurement);
    const bool new_measurement = m_it == state.measurements.end();
    new_measurements += new_measurement ? 1 : 0;
    for (const Column& c : b.columns) {
      std::string name = Lower(c.name());
      if (new_measurement || !m_it->second.columns.count(name)) out->columns[i].push_back(std::move(name));
    }
    const size_t existing = new_measurement ? 0 : m_it->second.columns.size();
    if (limits_.max_columns_per_measurement > 0 &&
        static_cast<int64_t>(existing + out->columns[i].size()) > limits_.max_columns_per_measurement) {
      return Refuse("measurement \"" + b.measurement + "\" would have " +
                        std::to_string(existing + out->columns[i].size()) + " columns",
                    limits_.max_columns_per_measurement, "ingest.max_columns_per_measurement");
    }
    if (i < series.size()) {
      for (uint64_t h : series[i]) {
        if (!state.series.count(h)) out->series[i].push_back(h);
      }
      total_new_series += out->series[i].size();
    }
  }
  if (limits_.max_measurements_per_database > 0 &&
      static_cast<int64_t>(state.measurements.size() + new_measurements) > limits_.max_measurements_per_database) {
    return Refuse("database \"" + db + "\" would have " +
                      std::to_string(state.measurements.size() + new_measurements) + " measurements",
                  limits_.max_measurements_per_database, "ingest.max_measurements_per_database");
  }
  if (limits_.max_series_per_database > 0 &&
      static_cast<int64_t>(state.series.size() + total_new_series) > limits_.max_series_per_database) {
    return Refuse("database \"" + db + "\" would have " +
                      std::to_string(state.series.size() + total_new_series) + " series",
                  limits_.max_series_per_database, "ingest.max_series_per_database");
  }
  return Status::OK();
}

void IngestLimits::Record(const Additions& add) {
  std::lock_guard<std::mutex> lock(mu_);
  DatabaseState& target = databases_[add.database];
  for (size_t i = 0; i < add.measurements.size(); ++i) {
    auto [m_it, inserted] = target.measurements.try_emplace(add.measurements[i]);
    if (inserted) ++measurements_;
    for (const std::string& c : add.columns[i]) m_it->second.columns.insert(c);
    for (uint64_t h : add.series[i]) series_ += target.series.insert(h).second ? 1 : 0;
  }
}

Status IngestLimits::Admit(const BatchSet& set) {
  Additions add;
  ARC_RETURN_IF_ERROR(Check(set, &add));
  Record(add);
  return Status::OK();
}

IngestLimits::Counts IngestLimits::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {databases_.size(), measurements_, series_};
}

}  // namespace arc
