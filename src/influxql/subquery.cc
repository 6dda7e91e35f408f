#include "influxql/subquery.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "storage/duckdb_util.h"

namespace arc::influxql {
namespace {

FieldType TypeOf(const Value& v) {
  if (v.is_boolean()) return FieldType::kBoolean;
  if (v.is_string()) return FieldType::kString;
  if (v.is_number_integer()) return FieldType::kInteger;
  return FieldType::kFloat;
}

const char* SqlType(FieldType t) {
  switch (t) {
    case FieldType::kInteger: return "BIGINT";
    case FieldType::kString: return "VARCHAR";
    case FieldType::kBoolean: return "BOOLEAN";
    case FieldType::kFloat: return "DOUBLE";
  }
  return "DOUBLE";
}

std::string LiteralOf(const Value& v, FieldType t) {
  // A value of another type than its column's (mixed types become float columns) is NULL.
  const bool numeric = t == FieldType::kInteger || t == FieldType::kFloat;
  if (v.is_null() || (numeric && !v.is_number()) || (t == FieldType::kInteger && !v.is_number_integer()))
    return std::string("CAST(NULL AS ") + SqlType(t) + ")";
  switch (t) {
    case FieldType::kString: return v.is_string() ? QuoteLiteral(v.get<std::string>()) : "NULL";
    case FieldType::kBoolean: return v.is_boolean() && v.get<bool>() ? "true" : "false";
    case FieldType::kInteger: return std::to_string(v.get<int64_t>());
    case FieldType::kFloat: {
      char buf[40];
      std::snprintf(buf, sizeof(buf), "%.17g", v.get<double>());
      // nan and inf are no SQL literals: DuckDB casts them from text.
      return std::isfinite(v.get<double>()) ? std::string("CAST(") + buf + " AS DOUBLE)"
                                            : std::string("CAST('") + buf + "' AS DOUBLE)";
    }
  }
  return "NULL";
}

}  // namespace

Result<std::vector<SubqueryTable>> MaterializeSubquery(const std::vector<Series>& inner) {
  size_t rows = 0;
  for (const Series& s : inner) rows += s.values.size();
  if (rows > kMaxSubqueryRows)
    return Status::InvalidArgument("the subquery answers " + std::to_string(rows) + " rows, more than " +
                                   std::to_string(kMaxSubqueryRows) + "; narrow its time range");
  std::map<std::string, std::vector<const Series*>> by_name;
  for (const Series& s : inner) by_name[s.name].push_back(&s);
  std::vector<SubqueryTable> out;
  for (const auto& [name, series] : by_name) {
    // Columns: the tags of any series, then every value column with one type.
    std::set<std::string> tags;
    std::map<std::string, FieldType> fields;
    for (const Series* s : series) {
      for (const auto& kv : s->tags) tags.insert(kv.first);
      for (size_t c = 1; c < s->columns.size(); ++c) {
        FieldType t = FieldType::kFloat;
        bool known = false;
        for (const Row& r : s->values) {  // every value: a column may change type (fill(1.5) of count())
          if (r[c].is_null()) continue;
          const FieldType rt = TypeOf(r[c]);
          t = known && rt != t ? FieldType::kFloat : rt;
          known = true;
        }
        auto [it, added] = fields.emplace(s->columns[c], t);
        if (!added && known && it->second != t) it->second = FieldType::kFloat;
      }
    }
    SubqueryTable table;
    table.name = name;
    table.schema.tags.assign(tags.begin(), tags.end());
    for (const auto& [f, t] : fields) {
      if (!tags.count(f)) table.schema.fields.push_back({f, t});
    }
    std::string names = "\"time\"";
    for (const std::string& t : table.schema.tags) names += ", " + QuoteIdentifier(t);
    for (const FieldInfo& f : table.schema.fields) names += ", " + QuoteIdentifier(f.name);
    std::string values;
    for (const Series* s : series) {
      std::map<std::string, size_t> index;
      for (size_t c = 1; c < s->columns.size(); ++c) index.emplace(s->columns[c], c);
      for (const Row& r : s->values) {
        std::string row = "(make_timestamp(" + std::to_string(r[0].get<int64_t>() / 1000) + ")";
        for (const std::string& t : table.schema.tags) {
          std::string v;
          for (const auto& kv : s->tags) {
            if (kv.first == t) v = kv.second;
          }
          row += ", " + QuoteLiteral(v);
        }
        for (const FieldInfo& f : table.schema.fields) {
          auto it = index.find(f.name);
          row += ", " + LiteralOf(it == index.end() ? Value() : r[it->second], f.type);
        }
        values += (values.empty() ? "" : ", ") + row + ")";
      }
    }
    if (values.empty()) continue;
    table.relation = "(SELECT * FROM (VALUES " + values + ") AS __sub(" + names + "))";
    out.push_back(std::move(table));
  }
  return out;
}

}  // namespace arc::influxql
