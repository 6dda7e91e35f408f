#include "ingest/names.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

TEST(NamesTest, DatabaseNames) {
  EXPECT_TRUE(ValidateDatabaseName("default").ok());
  EXPECT_TRUE(ValidateDatabaseName("My_db-2").ok());
  EXPECT_TRUE(ValidateDatabaseName(std::string(64, 'a')).ok());
  EXPECT_FALSE(ValidateDatabaseName(std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidateDatabaseName("").ok());
  EXPECT_FALSE(ValidateDatabaseName("_x").ok());
  EXPECT_FALSE(ValidateDatabaseName("1x").ok());
  EXPECT_FALSE(ValidateDatabaseName("../etc").ok());
  EXPECT_FALSE(ValidateDatabaseName("a b").ok());
  EXPECT_FALSE(ValidateDatabaseName("a.b").ok());
}

TEST(NamesTest, MeasurementNames) {
  EXPECT_TRUE(ValidateMeasurementName(std::string(128, 'm')).ok());
  EXPECT_FALSE(ValidateMeasurementName(std::string(129, 'm')).ok());
  Status st = ValidateMeasurementName("cpu/x");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("invalid measurement name \"cpu/x\""), std::string::npos);
}

}  // namespace
}  // namespace arc
