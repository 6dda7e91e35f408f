// Test-only: an in-memory Catalog for the influxql unit tests. Canned schemas per database and
// measurement; Select() answers with the rows of the first canned entry whose needle is a
// substring of the SQL (no rows otherwise) and records every SQL it receives.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "influxql/catalog.h"
#include "influxql/parser.h"

namespace arc::influxql::test_util {

// A schema with its tags and fields sorted, as the Catalog contract requires.
inline MeasurementSchema MakeSchema(std::vector<std::string> tags, std::vector<FieldInfo> fields) {
  MeasurementSchema s;
  std::sort(tags.begin(), tags.end());
  std::sort(fields.begin(), fields.end(), [](const FieldInfo& a, const FieldInfo& b) { return a.name < b.name; });
  s.tags = std::move(tags);
  s.fields = std::move(fields);
  return s;
}

class FakeCatalog final : public Catalog {
 public:
  struct Canned {
    std::string needle;
    std::vector<Row> rows;
  };

  void AddMeasurement(const std::string& db, const std::string& m, MeasurementSchema schema) {
    AddDatabase(db);
    schemas_[db][m] = std::move(schema);
  }
  void AddDatabase(const std::string& db) {
    if (std::find(dbs_.begin(), dbs_.end(), db) == dbs_.end()) dbs_.push_back(db);
    std::sort(dbs_.begin(), dbs_.end());
  }
  // Rows for the SQL containing `needle`; the first matching entry wins.
  void AddRows(std::string needle, std::vector<Row> rows) { canned_.push_back({std::move(needle), std::move(rows)}); }
  void FailSelect(Status s) { select_error_ = std::move(s); }

  const std::vector<std::string>& sql_log() const { return sql_log_; }
  const std::vector<std::string>& created() const { return created_; }
  const std::vector<std::string>& dropped() const { return dropped_; }

  std::vector<std::string> Databases() override { return dbs_; }
  std::vector<std::string> Measurements(const std::string& db) override {
    std::vector<std::string> out;
    auto it = schemas_.find(db);
    if (it == schemas_.end()) return out;
    for (const auto& [m, s] : it->second) out.push_back(m);
    return out;
  }
  Result<MeasurementSchema> Schema(const std::string& db, const std::string& m) override {
    auto it = schemas_.find(db);
    if (it == schemas_.end()) return MeasurementSchema();
    auto s = it->second.find(m);
    return s == it->second.end() ? MeasurementSchema() : s->second;
  }
  Result<std::vector<Row>> Select(const std::string& sql, const std::string& db) override {
    sql_log_.push_back(sql);
    last_db_ = db;
    if (!select_error_.ok()) return select_error_;
    for (const Canned& c : canned_) {
      if (sql.find(c.needle) != std::string::npos) return c.rows;
    }
    return std::vector<Row>{};
  }
  Result<std::vector<Row>> SelectWithin(const std::string& sql, const std::string& db,
                                        const DatabaseScope& scope) override {
    last_scope_ = scope;
    return Select(sql, db);
  }
  const DatabaseScope& last_scope() const { return last_scope_; }
  Status CreateDatabase(const std::string& db) override {
    created_.push_back(db);
    AddDatabase(db);
    return Status::OK();
  }
  Status DropMeasurement(const std::string& db, const std::string& m) override {
    dropped_.push_back(db + "." + m);
    return Status::OK();
  }
  Status DropDatabase(const std::string& db) override {
    dropped_.push_back(db);
    return Status::OK();
  }

  DatabaseScope last_scope_;
  std::string last_db_;

 private:
  std::vector<std::string> dbs_;
  std::map<std::string, std::map<std::string, MeasurementSchema>> schemas_;
  std::vector<Canned> canned_;
  std::vector<std::string> sql_log_, created_, dropped_;
  Status select_error_;
};

// The one SELECT of `text` (adds a test failure and returns an empty statement otherwise).
inline SelectStatement ParseSelect(const std::string& text) {
  Result<std::vector<Statement>> r = ParseQuery(text);
  if (!r.ok() || r->size() != 1 || !std::holds_alternative<SelectStatement>((*r)[0])) {
    ADD_FAILURE() << "not one SELECT: " << text << " (" << r.status().ToString() << ")";
    return SelectStatement();
  }
  return std::move(std::get<SelectStatement>((*r)[0]));
}

}  // namespace arc::influxql::test_util
