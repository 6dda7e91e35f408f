#include "influxql/scoped_catalog.h"

#include <gtest/gtest.h>

#include "influxql/executor.h"
#include "influxql/fake_catalog_test_util.h"
#include "influxql/result_writer.h"

namespace arc::influxql {
namespace {

using test_util::MakeSchema;

class ScopedCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    inner_.AddMeasurement("mine", "cpu", MakeSchema({"host"}, {{"usage", FieldType::kFloat}}));
    inner_.AddMeasurement("other", "cpu", MakeSchema({"host"}, {{"usage", FieldType::kFloat}}));
    options_.database = "mine";
  }
  // Runs `q` through a catalog scoped to "mine"; returns the refusal (or OK).
  Status Run(const std::string& q, std::string* json = nullptr) {
    ScopedCatalog scoped(&inner_, DatabaseScope::Only({"mine"}, "t"));
    Result<std::vector<Statement>> st = ParseQuery(q);
    EXPECT_TRUE(st.ok()) << q;
    const std::vector<StatementResult> r = Execute(*st, options_, &scoped);
    if (json != nullptr) *json = WriteJson(r, 1, false);
    return scoped.denied();
  }
  test_util::FakeCatalog inner_;
  ExecOptions options_;
};

TEST_F(ScopedCatalogTest, ShowDatabasesListsOnlyTheScope) {
  std::string json;
  EXPECT_TRUE(Run("SHOW DATABASES", &json).ok());
  EXPECT_NE(json.find("\"mine\""), std::string::npos) << json;
  EXPECT_EQ(json.find("other"), std::string::npos) << json;
}

TEST_F(ScopedCatalogTest, OwnDatabaseWorks) {
  EXPECT_TRUE(Run("SELECT usage FROM cpu").ok());
  EXPECT_TRUE(Run("SELECT usage FROM \"mine\"..cpu").ok());
  EXPECT_TRUE(Run("SHOW MEASUREMENTS").ok());
  EXPECT_FALSE(inner_.sql_log().empty());
  // The SQL itself runs within the scope too (the engine refuses any other database it names).
  EXPECT_EQ(inner_.last_scope().databases(), std::vector<std::string>{"mine"});
}

// Every way a statement can name another database is refused, before any row of it is read.
TEST_F(ScopedCatalogTest, AnyOtherDatabaseIsRefused) {
  for (const char* q : {"SELECT usage FROM \"other\"..cpu", "SELECT usage FROM \"other\".\"autogen\".cpu",
                        "SELECT usage FROM \"other\"../c.*/", "SHOW MEASUREMENTS ON other",
                        "SHOW TAG KEYS ON other", "SHOW FIELD KEYS FROM \"other\"..cpu",
                        "SHOW TAG VALUES ON other WITH KEY = host",
                        "SELECT * FROM (SELECT usage FROM \"other\"..cpu)"}) {
    const size_t before = inner_.sql_log().size();
    const Status st = Run(q);
    EXPECT_EQ(st.code(), StatusCode::kPermissionDenied) << q;
    EXPECT_EQ(st.message(), "token \"t\" may not access database \"other\"") << q;
    EXPECT_EQ(inner_.sql_log().size(), before) << q << ": no SQL ran";
  }
}

}  // namespace
}  // namespace arc::influxql
