#include "common/logging.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

namespace arc {
namespace {

constexpr int64_t kNoon = 1796229000123;  // 2026-12-02T16:30:00.123Z

TEST(LoggingTest, JsonLineCarriesRfc3339UtcMillis) {
  const std::string line = FormatLogLine(LogFormat::kJson, LogLevel::kInfo, "hello", kNoon);
  ASSERT_EQ(line.back(), '\n');
  const nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["time"], "2026-12-02T16:30:00.123Z");
  EXPECT_EQ(j["level"], "INFO");
  EXPECT_EQ(j["msg"], "hello");
  EXPECT_EQ(nlohmann::json::parse(FormatLogLine(LogFormat::kJson, LogLevel::kInfo, "x", 0))["time"],
            "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(nlohmann::json::parse(FormatLogLine(LogFormat::kJson, LogLevel::kInfo, "x", -1))["time"],
            "1969-12-31T23:59:59.999Z");
}

TEST(LoggingTest, LevelNames) {
  auto level = [](LogLevel l) {
    return nlohmann::json::parse(FormatLogLine(LogFormat::kJson, l, "m", kNoon))["level"];
  };
  EXPECT_EQ(level(LogLevel::kDebug), "DEBUG");
  EXPECT_EQ(level(LogLevel::kInfo), "INFO");
  EXPECT_EQ(level(LogLevel::kWarn), "WARNING");
  EXPECT_EQ(level(LogLevel::kError), "ERROR");
}

TEST(LoggingTest, HostileMessagesStayOneValidJsonLine) {
  const std::string hostile = "a \"quoted\" \\ back\nslash\r\n{\"level\":\"ERROR\"}\t\x01 \xff\xfe end";
  const std::string line = FormatLogLine(LogFormat::kJson, LogLevel::kWarn, hostile, kNoon);
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "exactly one newline, at the end: " << line;
  EXPECT_EQ(line.find('\r'), std::string::npos);
  const nlohmann::json j = nlohmann::json::parse(line);  // throws on invalid JSON or UTF-8
  EXPECT_EQ(j["level"], "WARNING");
  const std::string msg = j["msg"];
  EXPECT_EQ(msg.substr(0, 20), "a \"quoted\" \\ back\nsl");
  EXPECT_NE(msg.find("\xEF\xBF\xBD"), std::string::npos) << "invalid bytes become U+FFFD";
  EXPECT_NE(msg.find(" end"), std::string::npos);
}

TEST(LoggingTest, ConsoleLineKeepsTheSeedsShape) {
  const std::string line = FormatLogLine(LogFormat::kConsole, LogLevel::kWarn, "disk full", kNoon);
  // "YYYY-MM-DD HH:MM:SS [WARNING] disk full\n" in local time.
  ASSERT_EQ(line.size(), 19 + std::string(" [WARNING] disk full\n").size()) << line;
  EXPECT_EQ(line.substr(19), " [WARNING] disk full\n");
  EXPECT_EQ(line[4], '-');
  EXPECT_EQ(line[10], ' ');
  EXPECT_EQ(line[13], ':');
}

// Regression: a query's error text (chosen by the client) carried a newline and a forged
// "[ERROR]" line into the console log.
TEST(LoggingTest, ConsoleLineEscapesControlCharactersSoNoMessageForgesALine) {
  const std::string line = FormatLogLine(LogFormat::kConsole, LogLevel::kWarn,
                                         "cut: x\n2026-12-02 17:00:00 [ERROR] forged\r\t\x1b[31m", kNoon);
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << line;
  EXPECT_EQ(line.back(), '\n');
  EXPECT_NE(line.find("x\\n2026-12-02 17:00:00 [ERROR] forged\\x0D\\t\\x1B[31m"), std::string::npos) << line;
}

}  // namespace
}  // namespace arc
