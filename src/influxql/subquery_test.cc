#include "influxql/subquery.h"

#include <gtest/gtest.h>

#include <limits>

namespace arc::influxql {
namespace {

Series Inner(const std::string& name, std::vector<std::pair<std::string, std::string>> tags,
             std::vector<std::string> columns, std::vector<Row> values) {
  Series s;
  s.name = name;
  s.tags = std::move(tags);
  s.has_tags = !s.tags.empty();
  s.columns = std::move(columns);
  s.values = std::move(values);
  return s;
}

TEST(InfluxSubqueryTest, SeriesBecomeOneTablePerMeasurement) {
  const std::vector<Series> inner = {
      Inner("cpu", {{"host", "a"}}, {"time", "mean"}, {{60000000000, 1.5}, {120000000000, nullptr}}),
      Inner("cpu", {{"host", "b'c"}}, {"time", "mean"}, {{60000000000, 2.0}})};
  Result<std::vector<SubqueryTable>> t = MaterializeSubquery(inner);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 1u);
  const SubqueryTable& cpu = (*t)[0];
  EXPECT_EQ(cpu.name, "cpu");
  EXPECT_EQ(cpu.schema.tags, std::vector<std::string>{"host"});
  ASSERT_EQ(cpu.schema.fields.size(), 1u);
  EXPECT_EQ(cpu.schema.fields[0].name, "mean");
  EXPECT_EQ(cpu.schema.fields[0].type, FieldType::kFloat);
  EXPECT_EQ(cpu.relation,
            "(SELECT * FROM (VALUES (make_timestamp(60000000), 'a', CAST(1.5 AS DOUBLE)), "
            "(make_timestamp(120000000), 'a', CAST(NULL AS DOUBLE)), "
            "(make_timestamp(60000000), 'b''c', CAST(2 AS DOUBLE))) AS __sub(\"time\", \"host\", \"mean\"))");
}

TEST(InfluxSubqueryTest, TypesTagsAndNamesPerTable) {
  const std::vector<Series> inner = {
      Inner("mem", {}, {"time", "used", "ok", "note"}, {{0, 5, true, "x"}}),
      Inner("cpu", {{"host", "a"}}, {"time", "n"}, {{0, 1}}),
      Inner("cpu", {{"region", "eu"}}, {"time", "n"}, {{1000, 2.5}}),
      Inner("disk", {}, {"time", "free"}, {})};
  Result<std::vector<SubqueryTable>> t = MaterializeSubquery(inner);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 2u) << "a series without rows adds no table";
  EXPECT_EQ((*t)[0].name, "cpu");
  EXPECT_EQ((*t)[0].schema.tags, (std::vector<std::string>{"host", "region"}));
  ASSERT_EQ((*t)[0].schema.fields.size(), 1u);
  EXPECT_EQ((*t)[0].schema.fields[0].type, FieldType::kFloat) << "integer in one series, float in another";
  EXPECT_NE((*t)[0].relation.find("(make_timestamp(0), 'a', '', CAST(1 AS DOUBLE))"), std::string::npos)
      << (*t)[0].relation;
  EXPECT_NE((*t)[0].relation.find("(make_timestamp(1), '', 'eu', CAST(2.5 AS DOUBLE))"), std::string::npos);
  const SubqueryTable& mem = (*t)[1];
  EXPECT_EQ(mem.name, "mem");
  ASSERT_EQ(mem.schema.fields.size(), 3u);
  EXPECT_EQ(mem.schema.fields[0].name, "note");
  EXPECT_EQ(mem.schema.fields[0].type, FieldType::kString);
  EXPECT_EQ(mem.schema.fields[1].type, FieldType::kBoolean);
  EXPECT_EQ(mem.schema.fields[2].type, FieldType::kInteger);
  EXPECT_EQ(mem.relation, "(SELECT * FROM (VALUES (make_timestamp(0), 'x', true, 5)) AS __sub(\"time\", \"note\", \"ok\", \"used\"))");
}

TEST(InfluxSubqueryTest, MixedValueTypesInOneColumnAreNoCrash) {
  // A column whose values change type between series (or rows) must not throw.
  const std::vector<Series> inner = {Inner("m", {}, {"time", "x"}, {{0, "text"}, {1000, 5}, {2000, true}}),
                                     Inner("m", {{"host", "a"}}, {"time", "x"}, {{0, 1.5}, {1000, "y"}})};
  Result<std::vector<SubqueryTable>> t = MaterializeSubquery(inner);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ((*t)[0].schema.fields.at(0).type, FieldType::kFloat);
  EXPECT_EQ((*t)[0].relation,
            "(SELECT * FROM (VALUES (make_timestamp(0), '', CAST(NULL AS DOUBLE)), (make_timestamp(1), '', CAST(5 AS DOUBLE)), "
            "(make_timestamp(2), '', CAST(NULL AS DOUBLE)), (make_timestamp(0), 'a', CAST(1.5 AS DOUBLE)), "
            "(make_timestamp(1), 'a', CAST(NULL AS DOUBLE))) AS __sub(\"time\", \"host\", \"x\"))");
  // count() then fill(1.5): integers and a float in one series make a float column.
  Result<std::vector<SubqueryTable>> filled = MaterializeSubquery(
      {Inner("m", {}, {"time", "count"}, {{0, 3}, {1000, 1.5}, {2000, std::numeric_limits<double>::infinity()}})});
  ASSERT_TRUE(filled.ok());
  EXPECT_EQ((*filled)[0].schema.fields.at(0).type, FieldType::kFloat);
  EXPECT_EQ((*filled)[0].relation,
            "(SELECT * FROM (VALUES (make_timestamp(0), CAST(3 AS DOUBLE)), (make_timestamp(1), CAST(1.5 AS DOUBLE)), "
            "(make_timestamp(2), CAST('inf' AS DOUBLE))) AS __sub(\"time\", \"count\"))");
}

TEST(InfluxSubqueryTest, RefusesTooManyRows) {
  std::vector<Row> rows(kMaxSubqueryRows + 1, Row{0, 1.0});
  Result<std::vector<SubqueryTable>> t = MaterializeSubquery({Inner("m", {}, {"time", "v"}, std::move(rows))});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(), "the subquery answers " + std::to_string(kMaxSubqueryRows + 1) + " rows, more than " +
                                      std::to_string(kMaxSubqueryRows) + "; narrow its time range");
}

}  // namespace
}  // namespace arc::influxql
