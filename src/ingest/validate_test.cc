#include "ingest/validate.h"

#include <gtest/gtest.h>

namespace arc {
namespace {

TEST(ValidateTest, Utf8AcceptsWellFormedText) {
  for (const char* s : {"", "plain ascii longer than eight bytes", "\xc3\xa9t\xc3\xa9", "\xe2\x82\xac",
                        "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf"}) {
    EXPECT_TRUE(IsValidUtf8(s)) << s;
  }
}

TEST(ValidateTest, Utf8RejectsMalformedText) {
  for (const char* s : {"\xff", "abc\x80", "\xc3", "\xc3\x28", "\xc0\x80" /* overlong NUL */,
                        "\xe0\x80\x80", "\xed\xa0\x80" /* surrogate */, "\xf4\x90\x80\x80" /* > U+10FFFF */,
                        "\xf8\x88\x80\x80\x80", "12345678\xe2\x82"}) {
    EXPECT_FALSE(IsValidUtf8(s)) << s;
  }
}

TEST(ValidateTest, ColumnNames) {
  EXPECT_TRUE(ValidateColumnName("host").ok());
  EXPECT_TRUE(ValidateColumnName("t\xc3\xa9mp\xc3\xa9rature").ok());
  EXPECT_TRUE(ValidateColumnName("times").ok());
  EXPECT_TRUE(ValidateColumnName("timx").ok());
  for (const char* reserved : {"time", "Time", "TIME", "tImE"}) {
    EXPECT_NE(ValidateColumnName(reserved).message().find("reserved"), std::string::npos) << reserved;
  }
  EXPECT_FALSE(ValidateColumnName("").ok());
  EXPECT_FALSE(ValidateColumnName(std::string("a\0b", 3)).ok());
  EXPECT_FALSE(ValidateColumnName("a\nb").ok());
  EXPECT_FALSE(ValidateColumnName("a\x7f").ok());
  EXPECT_FALSE(ValidateColumnName("a\xff").ok());
  EXPECT_TRUE(ValidateColumnName(std::string(kMaxColumnNameBytes, 'x')).ok());
  EXPECT_FALSE(ValidateColumnName(std::string(kMaxColumnNameBytes + 1, 'x')).ok());
}

// The ASCII fast path reads eight bytes at a time: a NUL, a stray continuation byte or a
// valid multi-byte character is judged the same at every position and length.
TEST(ValidateTest, TagValueAtEveryPositionAndLength) {
  for (size_t n = 1; n <= 20; ++n) {
    EXPECT_TRUE(ValidateTagValue(std::string(n, 'x')).ok()) << n;
    for (size_t at = 0; at < n; ++at) {
      std::string s(n, 'x');
      s[at] = '\0';
      EXPECT_FALSE(ValidateTagValue(s).ok()) << "NUL at " << at << " of " << n;
      s[at] = '\x80';
      EXPECT_FALSE(ValidateTagValue(s).ok()) << "continuation byte at " << at << " of " << n;
      s[at] = '\x7f';
      EXPECT_TRUE(ValidateTagValue(s).ok()) << "DEL at " << at << " of " << n;
      s[at] = '\x01';
      EXPECT_TRUE(ValidateTagValue(s).ok()) << "0x01 at " << at << " of " << n;
      s = std::string(n, 'x').insert(at, "\xc3\xa9");
      EXPECT_TRUE(ValidateTagValue(s).ok()) << "é at " << at << " of " << n;
    }
  }
}

TEST(ValidateTest, ValuesAndTimes) {
  EXPECT_TRUE(ValidateTagValue("a b=c,d").ok());
  EXPECT_FALSE(ValidateTagValue(std::string("a\0", 2)).ok());
  EXPECT_TRUE(ValidateStringField(std::string("a\0\n", 3)).ok()) << "fields may hold any valid text";
  EXPECT_FALSE(ValidateStringField("\xfe").ok());
  EXPECT_TRUE(ValidateTime(kMinTimeUs).ok());
  EXPECT_TRUE(ValidateTime(kMaxTimeUs).ok());
  EXPECT_FALSE(ValidateTime(kMinTimeUs - 1).ok());
  EXPECT_FALSE(ValidateTime(kMaxTimeUs + 1).ok());
}

}  // namespace
}  // namespace arc
