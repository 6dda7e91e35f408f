#include "s3/sigv4.h"

#include <gtest/gtest.h>

namespace arc::s3 {
namespace {

const Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service"};
const std::string kEmpty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// AWS SigV4 test suite, get-vanilla.
TEST(SigV4Test, GetVanilla) {
  SignedRequest r{"GET", "/", {}, {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}}, kEmpty};
  EXPECT_EQ(Authorization(kSuite, r, "20150830T123600Z"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            "SignedHeaders=host;x-amz-date, "
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// AWS SigV4 test suite, get-vanilla-query-order-key-case: the query is sorted.
TEST(SigV4Test, GetVanillaQueryOrderKeyCase) {
  SignedRequest r{"GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}},
                  {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}}, kEmpty};
  const std::string auth = Authorization(kSuite, r, "20150830T123600Z");
  EXPECT_NE(auth.find("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
            std::string::npos) << auth;
}

// The GET Object example of the S3 API reference (header-based authentication).
TEST(SigV4Test, S3GetObjectExample) {
  const Credentials c{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3"};
  SignedRequest r{"GET", "/test.txt", {},
                  {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"},
                   {"x-amz-content-sha256", kEmpty}, {"x-amz-date", "20130524T000000Z"}},
                  kEmpty};
  std::string signed_headers;
  EXPECT_EQ(Sha256Hex(CanonicalRequest(r, &signed_headers)),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signed_headers, "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_NE(Authorization(c, r, "20130524T000000Z")
                .find("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
            std::string::npos);
}

TEST(SigV4Test, EncodingRules) {
  EXPECT_EQ(UriEncode("a b/c~d_e.f-g+h=", false), "a%20b/c~d_e.f-g%2Bh%3D");
  EXPECT_EQ(UriEncode("a/b", true), "a%2Fb");
  EXPECT_EQ(CanonicalQuery({{"prefix", "db/cpu/"}, {"list-type", "2"}, {"a", ""}}),
            "a=&list-type=2&prefix=db%2Fcpu%2F");
  EXPECT_EQ(Sha256Hex(""), kEmpty);
}

}  // namespace
}  // namespace arc::s3
