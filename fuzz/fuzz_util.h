// Helpers shared by the libFuzzer targets in fuzz/: a check that aborts with a message (so
// libFuzzer records the input as a crash), and the invariants every decoded BatchSet must hold.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "ingest/batch_codec.h"
#include "ingest/batch_set.h"
#include "ingest/names.h"
#include "ingest/validate.h"

namespace arc::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* cond, const std::string& what) {
  std::fprintf(stderr, "\n==FUZZ CHECK FAILED== %s:%d: %s\n  %s\n", file, line, cond, what.c_str());
  std::fflush(stderr);
  std::abort();
}

#define FUZZ_CHECK(cond, what)                                         \
  do {                                                                 \
    if (!(cond)) ::arc::fuzz::Fail(__FILE__, __LINE__, #cond, (what)); \
  } while (0)

inline std::string_view AsView(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

inline bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

struct SetRules {
  bool tags_are_strings = true;   // line protocol: always; MessagePack columnar: not enforced
  // A request decodes to one batch per measurement; a WAL payload (columnar binary) may hold
  // several, as the query path ships buffered batches.
  bool one_batch_per_measurement = true;
};

// What every successfully decoded request must satisfy: columns aligned with the time column,
// names and values that storage can hold (validate.h), no batch or column without data.
inline void CheckBatchSet(const BatchSet& set, const SetRules& rules = SetRules()) {
  std::set<std::string> measurements;
  for (const Batch& b : set.batches()) {
    const std::string where = "measurement \"" + b.measurement + "\"";
    FUZZ_CHECK(measurements.insert(b.measurement).second || !rules.one_batch_per_measurement,
               "two batches for " + where);
    FUZZ_CHECK(ValidateMeasurementName(b.measurement).ok(), where);
    FUZZ_CHECK(b.database == set.database(), where);
    FUZZ_CHECK(b.rows() > 0, "empty batch for " + where);
    for (int64_t t : b.time_us) {
      FUZZ_CHECK(ValidateTime(t).ok(), where + ": time " + std::to_string(t) + " out of range");
    }
    std::set<std::string> names;
    for (size_t ci = 0; ci < b.columns.size(); ++ci) {
      const Column& c = b.columns[ci];
      const std::string col = where + " column \"" + c.name() + "\"";
      FUZZ_CHECK(names.insert(c.name()).second, "duplicate " + col);
      FUZZ_CHECK(b.FindColumnIgnoringCase(c.name()) == static_cast<int>(ci), "case-duplicate " + col);
      FUZZ_CHECK(ValidateColumnName(c.name()).ok(), col);
      FUZZ_CHECK(c.size() == b.rows(), col + " has " + std::to_string(c.size()) + " values for " +
                                           std::to_string(b.rows()) + " rows");
      FUZZ_CHECK(c.validity().empty() || c.validity().size() == c.size(), col + " validity size");
      switch (c.type()) {
        case ColumnType::kInt64: FUZZ_CHECK(c.ints().size() == c.size(), col); break;
        case ColumnType::kDouble: FUZZ_CHECK(c.doubles().size() == c.size(), col); break;
        case ColumnType::kBool: FUZZ_CHECK(c.bools().size() == c.size(), col); break;
        case ColumnType::kString: break;
      }
      if (rules.tags_are_strings && c.is_tag()) FUZZ_CHECK(c.type() == ColumnType::kString, "non-string tag " + col);
      size_t valid = 0;
      for (size_t r = 0; r < c.size(); ++r) {
        if (!c.IsValid(r)) continue;
        ++valid;
        if (c.type() == ColumnType::kString) {
          const std::string_view s = c.StringAt(r);
          FUZZ_CHECK((c.is_tag() ? ValidateTagValue(s) : ValidateStringField(s)).ok(), col + " row " + std::to_string(r));
        }
      }
      FUZZ_CHECK(valid > 0, col + " holds only nulls");
    }
  }
}

inline void CheckSameSets(const BatchSet& a, const BatchSet& b) {
  FUZZ_CHECK(a.database() == b.database(), a.database() + " vs " + b.database());
  FUZZ_CHECK(a.batches().size() == b.batches().size(), "batch count differs");
  for (size_t i = 0; i < a.batches().size(); ++i) {
    const Batch& x = a.batches()[i];
    const Batch& y = b.batches()[i];
    const std::string where = "measurement \"" + x.measurement + "\"";
    FUZZ_CHECK(x.measurement == y.measurement, where + " vs \"" + y.measurement + "\"");
    FUZZ_CHECK(x.time_us == y.time_us, where + ": times differ");
    FUZZ_CHECK(x.columns.size() == y.columns.size(), where + ": column count differs");
    for (size_t ci = 0; ci < x.columns.size(); ++ci) {
      const Column& c = x.columns[ci];
      const Column& d = y.columns[ci];
      const std::string col = where + " column " + std::to_string(ci) + " \"" + c.name() + "\"";
      FUZZ_CHECK(c.name() == d.name(), col + " vs \"" + d.name() + "\"");
      FUZZ_CHECK(c.type() == d.type(), col + ": " + ColumnTypeName(c.type()) + " vs " + ColumnTypeName(d.type()));
      FUZZ_CHECK(c.is_tag() == d.is_tag(), col + ": tag/field differs");
      FUZZ_CHECK(c.size() == d.size(), col + ": size differs");
      for (size_t r = 0; r < c.size(); ++r) {
        const std::string cell = col + " row " + std::to_string(r);
        FUZZ_CHECK(c.IsValid(r) == d.IsValid(r), cell + ": null differs");
        if (!c.IsValid(r)) continue;
        switch (c.type()) {
          case ColumnType::kInt64: FUZZ_CHECK(c.ints()[r] == d.ints()[r], cell); break;
          case ColumnType::kDouble: FUZZ_CHECK(SameBits(c.doubles()[r], d.doubles()[r]), cell); break;
          case ColumnType::kBool: FUZZ_CHECK(c.bools()[r] == d.bools()[r], cell); break;
          case ColumnType::kString: FUZZ_CHECK(c.StringAt(r) == d.StringAt(r), cell); break;
        }
      }
    }
  }
}

// The WAL path: EncodeBatchSet → DecodeBatchSet gives the same set back, and the cheap
// recovery scan (DescribePayload) sees the same measurements and row count.
inline void CheckCodecRoundTrip(const BatchSet& set) {
  const std::string payload = EncodeBatchSet(set);
  std::unique_ptr<BatchSet> back;
  const Status st = DecodeBatchSet(payload, &back);
  FUZZ_CHECK(st.ok(), "DecodeBatchSet(EncodeBatchSet(set)) failed: " + st.ToString());
  CheckSameSets(set, *back);
  const PayloadSummary summary = DescribePayload(payload);
  FUZZ_CHECK(summary.readable, "DescribePayload cannot walk an encoded set");
  FUZZ_CHECK(summary.rows == set.TotalRows(), "DescribePayload rows " + std::to_string(summary.rows) +
                                                  " vs " + std::to_string(set.TotalRows()));
  std::set<std::string> names;
  for (const Batch& b : set.batches()) names.insert(b.measurement);
  FUZZ_CHECK(std::set<std::string>(summary.measurements.begin(), summary.measurements.end()) == names,
             "DescribePayload measurements differ");
}

// A fixed "now" inside the valid time range (2023-11-14T22:13:20Z), so runs are reproducible.
inline constexpr int64_t kFuzzNowUs = 1700000000000000LL;

}  // namespace arc::fuzz
