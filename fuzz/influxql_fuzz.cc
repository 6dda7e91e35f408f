// libFuzzer target: InfluxQL /query end to end without a server — ParseQuery, then Execute
// (planner, SHOW statements, subqueries, BuildSeries) over an in-memory Catalog, then every
// answer format (WriteJson plain and pretty, WriteChunkedJson, WriteCsv).
// Input: the query text (at most 4 KiB).
// The catalog: database "telegraf" with cpu (tags host, region; a field of each type) and mem
// (tag host; integer and float fields), and an empty database "other". Select() answers the
// SQL of every SELECT the fuzzer planned beforehand (the same PlanSelect call the executor
// makes) with a few rows shaped as that plan's query expects: __b in the plan's buckets or
// range, the group tags, a value per column (list aggregates get their JSON point lists),
// the selector's time. Other SQL (SHOW's, the outer query of a subquery) gets SHOW-shaped rows
// or none. The rows, the request's db ("" or telegraf), rp and write permission and one
// Select() in 16 failing come from a hash of the input, so every run of an input is the same.
// Value types are drawn per column (numbers where the builder computes: lists, transforms).
// Invariants: no crash, no sanitizer report, no exception escaping; parse errors are
// InvalidArgument "error parsing query: ..."; one result per statement up to the first error,
// numbered in order; the JSON answers are valid JSON (chunked: one document per line).
// ARC_FUZZ_VERBOSE=1 build-fuzz/fuzz/influxql_fuzz <file> prints the JSON answer of a file.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "influxql/catalog.h"
#include "influxql/executor.h"
#include "influxql/parser.h"
#include "influxql/result_writer.h"
#include "influxql/select_planner.h"
#include "ingest/validate.h"

namespace {

using namespace arc;
using namespace arc::influxql;

constexpr size_t kMaxInput = 4096;
constexpr int64_t kNowNs = arc::fuzz::kFuzzNowUs * 1000;
constexpr int64_t kMaxPoints = 10000;

// A deterministic stream of small numbers from the input's hash.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed | 1) {}
  uint64_t Next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  int64_t Below(int64_t n) { return n <= 0 ? 0 : static_cast<int64_t>(Next() % static_cast<uint64_t>(n)); }

 private:
  uint64_t s_;
};

struct Shape {
  SelectPlan plan;  // the plan's settings (queries emptied)
  MeasurementQuery query;
};

MeasurementSchema MakeSchema(std::vector<std::string> tags, std::vector<FieldInfo> fields) {
  MeasurementSchema s;
  s.tags = std::move(tags);
  s.fields = std::move(fields);
  return s;
}

class FuzzCatalog final : public Catalog {
 public:
  FuzzCatalog() {
    cpu_ = MakeSchema({"host", "region"}, {{"b", FieldType::kBoolean},
                                       {"i", FieldType::kInteger},
                                       {"s", FieldType::kString},
                                       {"usage_idle", FieldType::kFloat},
                                       {"usage_user", FieldType::kFloat}});
    mem_ = MakeSchema({"host"}, {{"free", FieldType::kFloat}, {"used", FieldType::kInteger}});
  }

  void Reset(uint64_t seed) {
    shapes_.clear();
    rng_ = Rng(seed);
  }
  void Expect(const SelectPlan& plan) {
    for (const MeasurementQuery& q : plan.queries) {
      Shape s;
      s.plan = plan;
      s.plan.queries.clear();
      s.query = q;
      shapes_.emplace(q.sql, std::move(s));
    }
  }

  std::vector<std::string> Databases() override { return {"other", "telegraf"}; }
  std::vector<std::string> Measurements(const std::string& db) override {
    if (db == "telegraf") return {"cpu", "mem"};
    return {};
  }
  Result<MeasurementSchema> Schema(const std::string& db, const std::string& m) override {
    if (db == "telegraf" && m == "cpu") return cpu_;
    if (db == "telegraf" && m == "mem") return mem_;
    return MeasurementSchema();
  }
  Result<std::vector<Row>> Select(const std::string& sql, const std::string& db) override {
    FUZZ_CHECK(db == "telegraf" || db == "other", "Select on database " + db);
    if (rng_.Below(16) == 0) return Status::InvalidArgument("Binder Error: the engine refused the query");
    auto it = shapes_.find(sql);
    if (it != shapes_.end()) return RowsFor(it->second);
    // SHOW MEASUREMENTS WHERE ...: "SELECT 1 ... LIMIT 1".
    if (sql.rfind("SELECT 1 FROM ", 0) == 0) return std::vector<Row>{{Value(1)}};
    // SHOW TAG VALUES: key, value.
    if (sql.rfind("SELECT DISTINCT '", 0) == 0)
      return std::vector<Row>{{Value("host"), Value("a")}, {Value("host"), Value("b c")}, {Value("region"), Value("eu")}};
    // SHOW SERIES: one column per tag of the measurement.
    if (sql.rfind("SELECT DISTINCT \"", 0) == 0) {
      if (sql.find("\"telegraf\".\"cpu\"") != std::string::npos)
        return std::vector<Row>{{Value("a"), Value("eu")}, {Value("b,c"), Value()}, {Value(), Value("x=y")}};
      return std::vector<Row>{{Value("a")}, {Value()}};
    }
    return std::vector<Row>{};
  }
  Status CreateDatabase(const std::string&) override { return Status::OK(); }
  Status DropMeasurement(const std::string&, const std::string&) override { return Status::OK(); }
  Status DropDatabase(const std::string&) override { return Status::OK(); }

 private:
  // A stored point's time in µs: inside the plan's range (or the hour before now()) and inside
  // what ingestion accepts (ingest/validate.h), as the engine's rows are.
  std::optional<int64_t> PointUs(const SelectPlan& p) {
    const __int128 lo = std::max<__int128>(p.range.min_ns.value_or(kNowNs - 3600 * int64_t{1000000000}),
                                           (__int128)kMinTimeUs * 1000);
    const __int128 hi = std::min<__int128>(p.range.max_ns.value_or(kNowNs), (__int128)kMaxTimeUs * 1000);
    if (lo > hi) return std::nullopt;
    const __int128 span = hi - lo;
    const __int128 step = span > 1000000 ? span / 1000000 : 1;
    const __int128 t = lo + (__int128)rng_.Below(static_cast<int64_t>(span > 1000000 ? 1000000 : span + 1)) * step;
    return static_cast<int64_t>(t >= 0 ? t / 1000 : -((-t + 999) / 1000));  // µs, rounded down
  }
  // __b of a row: the point's time, its GROUP BY time bucket as the planner's SQL computes it
  // (nullopt where DuckDB's int64 arithmetic would fail), or 0 for one group.
  std::optional<int64_t> BucketUs(const SelectPlan& p) {
    if (p.aggregate && !p.interval_ns) return 0;
    std::optional<int64_t> t = PointUs(p);
    if (!t || !p.interval_ns) return t;
    const __int128 iv = *p.interval_ns / 1000, off = p.offset_ns / 1000;
    if (iv <= 0) return std::nullopt;
    const __int128 b = *t - ((((__int128)*t - off) % iv) + iv) % iv;
    if (b < INT64_MIN || b > INT64_MAX) return std::nullopt;
    return static_cast<int64_t>(b);
  }
  Value Scalar(int kind) {
    switch (kind) {
      case 0: return Value(static_cast<double>(rng_.Below(2001) - 1000) / 8);
      case 1: return Value(rng_.Below(2001) - 1000);
      case 2: return Value(rng_.Below(2) == 0 ? "a" : "b");
      case 3: return Value(rng_.Below(2) == 0);
      default: return Value();
    }
  }
  std::string ListJson(const PlannedColumn& c, const SelectPlan& p, int kind) {
    Value list = Value::array();
    const int64_t n = rng_.Below(6);
    for (int64_t k = 0; k < n; ++k) {
      Value point = Value::object();
      const std::optional<int64_t> t = PointUs(p);
      if (!t) break;
      point["t"] = *t;
      point["v"] = Scalar(kind);
      for (size_t a = 0; a < c.aux_columns.size(); ++a) point["a" + std::to_string(a)] = Scalar(2);
      list.push_back(std::move(point));
    }
    return list.dump();
  }
  std::vector<Row> RowsFor(const Shape& s) {
    std::vector<Row> rows;
    const int64_t n = rng_.Below(6);
    // One value type per column, numeric where the builder computes (lists, transformations).
    std::vector<int> kinds;
    for (const PlannedColumn& c : s.query.columns) {
      const bool numeric = c.transform != Transform::kNone ||
                           (c.list != ListAggregate::kNone && c.list != ListAggregate::kMode &&
                            c.list != ListAggregate::kDistinct);
      kinds.push_back(static_cast<int>(rng_.Below(numeric ? 2 : 4)));
    }
    std::set<Row> groups;  // an aggregate query has one row per bucket and tag set
    for (int64_t r = 0; r < n; ++r) {
      const std::optional<int64_t> b = BucketUs(s.plan);
      const std::optional<int64_t> selected = PointUs(s.plan);
      if (!b || !selected) break;
      Row row;
      row.push_back(Value(*b));
      for (size_t g = 0; g < s.query.group_tags.size(); ++g)
        row.push_back(rng_.Below(4) == 0 ? Value() : Value(rng_.Below(2) == 0 ? "a" : "b"));
      if (s.plan.aggregate && !groups.insert(row).second) continue;
      for (size_t c = 0; c < s.query.columns.size(); ++c) {
        const PlannedColumn& col = s.query.columns[c];
        if (col.list != ListAggregate::kNone) row.push_back(Value(ListJson(col, s.plan, kinds[c])));
        else row.push_back(rng_.Below(5) == 0 ? Value() : Scalar(kinds[c]));
      }
      if (s.query.selector_time) row.push_back(Value(*selected));
      rows.push_back(std::move(row));
    }
    return rows;
  }

  MeasurementSchema cpu_, mem_;
  std::map<std::string, Shape> shapes_;
  Rng rng_{1};
};

// Plans `s` (and its innermost subqueries) as the executor will, so Select() knows the shapes.
void Expect(const SelectStatement& s, const ExecOptions& o, FuzzCatalog* catalog) {
  std::string db = o.database;
  for (const Source& src : s.sources) {
    if (!src.database.empty()) db = src.database;
  }
  if (s.sources.size() == 1 && s.sources[0].subquery) {
    Expect(*s.sources[0].subquery, o, catalog);
    return;
  }
  Result<SelectPlan> plan = PlanSelect(s, db, o.now_ns, catalog);
  if (plan.ok()) catalog->Expect(*plan);
}

void CheckJson(const std::string& text, const char* what) {
  const Value v = Value::parse(text, nullptr, false);
  FUZZ_CHECK(!v.is_discarded(), std::string(what) + " is no JSON: " + text.substr(0, 2000));
  FUZZ_CHECK(v.is_object() && v.contains("results"), std::string(what) + " without results");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view text = arc::fuzz::AsView(data, size);
  Result<std::vector<Statement>> statements = ParseQuery(text);
  if (!statements.ok()) {
    FUZZ_CHECK(statements.status().code() == StatusCode::kInvalidArgument, statements.status().ToString());
    FUZZ_CHECK(statements.status().message().rfind("error parsing query: ", 0) == 0, statements.status().message());
    return 0;
  }
  FUZZ_CHECK(!statements->empty(), "no statement and no error");

  static FuzzCatalog* catalog = new FuzzCatalog();
  uint64_t seed = 1469598103934665603ULL;
  for (size_t i = 0; i < size; ++i) seed = (seed ^ data[i]) * 1099511628211ULL;
  catalog->Reset(seed);

  ExecOptions o;
  o.database = (seed & 7) == 0 ? "" : "telegraf";
  o.retention_policy = (seed & 0x30) == 0 ? "autogen" : "";
  o.now_ns = kNowNs;
  o.may_write = (seed & 8) != 0;
  o.max_points = kMaxPoints;
  for (const Statement& st : *statements) {
    if (const auto* sel = std::get_if<SelectStatement>(&st)) Expect(*sel, o, catalog);
  }

  const std::vector<StatementResult> results = Execute(*statements, o, catalog);
  FUZZ_CHECK(!results.empty() && results.size() <= statements->size(), "result count");
  for (size_t i = 0; i < results.size(); ++i) {
    FUZZ_CHECK(results[i].statement_id == static_cast<int>(i), "statement ids out of order");
    FUZZ_CHECK(results[i].error.empty() || i + 1 == results.size(), "a statement ran after a failed one");
    FUZZ_CHECK(results[i].error.empty() || results[i].series.empty(), "a failed statement with series");
    if (results.size() < statements->size() && i + 1 == results.size())
      FUZZ_CHECK(!results[i].error.empty(), "stopped without an error");
    for (const Series& s : results[i].series) {
      for (const Row& r : s.values) FUZZ_CHECK(r.size() == s.columns.size(), "a row of " + s.name + " is not as wide as its columns");
    }
  }

  const std::string json = WriteJson(results, std::nullopt, false);
  if (std::getenv("ARC_FUZZ_VERBOSE") != nullptr) std::fprintf(stderr, "%s\n", json.c_str());  // replaying a file
  CheckJson(json, "WriteJson");
  CheckJson(WriteJson(results, EpochDivisor(std::string("ms")), true), "pretty WriteJson");
  const std::string chunked = WriteChunkedJson(results, (seed & 16) ? std::optional<int64_t>(1) : std::nullopt,
                                               static_cast<size_t>(seed % 4));
  size_t docs = 0;
  for (size_t start = 0; start < chunked.size();) {
    const size_t end = chunked.find('\n', start);
    FUZZ_CHECK(end != std::string::npos, "a chunk without its newline");
    CheckJson(chunked.substr(start, end - start), "a WriteChunkedJson document");
    ++docs;
    start = end + 1;
  }
  FUZZ_CHECK(docs >= results.size(), "fewer chunked documents than statements");
  (void)WriteCsv(results, (seed & 32) ? std::optional<int64_t>(1000) : std::nullopt);
  return 0;
}
