#include "server/tls_context.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "util/test_util.h"

namespace arc {
namespace {

// A self-signed certificate and key made by the openssl CLI (never committed).
void MakeCert(const test::TempDir& dir, const std::string& name, const std::string& extra = "-nodes") {
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -sha256 -days 1 -subj /CN=127.0.0.1 " +
                          extra + " -keyout " + dir.Sub(name + ".key") + " -out " +
                          dir.Sub(name + ".crt") + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

class TlsContextTest : public ::testing::Test {
 protected:
  Result<std::shared_ptr<boost::asio::ssl::context>> Load(const std::string& cert, const std::string& key) {
    return LoadServerTls(DefaultFileSystem(), dir_.Sub(cert), dir_.Sub(key));
  }
  std::string Error(const std::string& cert, const std::string& key) {
    auto r = Load(cert, key);
    EXPECT_FALSE(r.ok());
    return r.ok() ? "" : r.status().message();
  }
  test::TempDir dir_;
};

TEST_F(TlsContextTest, LoadsAMatchingPair) {
  MakeCert(dir_, "a");
  auto ctx = Load("a.crt", "a.key");
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_NE(*ctx, nullptr);
}

TEST_F(TlsContextTest, ErrorsNameTheKeyAndTheProblem) {
  MakeCert(dir_, "a");
  MakeCert(dir_, "b");
  std::string e = Error("missing.crt", "a.key");
  EXPECT_NE(e.find("server.tls_cert"), std::string::npos) << e;
  EXPECT_NE(e.find("missing.crt"), std::string::npos) << e;
  EXPECT_NE(e.find("cannot read"), std::string::npos) << e;

  e = Error("a.crt", "missing.key");
  EXPECT_NE(e.find("server.tls_key"), std::string::npos) << e;

  e = Error("a.crt", "b.key");
  EXPECT_NE(e.find("server.tls_key"), std::string::npos) << e;
  EXPECT_NE(e.find("does not match"), std::string::npos) << e;

  test::WriteTextFile(dir_.Sub("junk.crt"), "hello\n");
  e = Error("junk.crt", "a.key");
  EXPECT_NE(e.find("server.tls_cert"), std::string::npos) << e;
  EXPECT_NE(e.find("not a PEM file"), std::string::npos) << e;

  e = Error("a.key", "a.key");  // a key where the certificate belongs
  EXPECT_NE(e.find("server.tls_cert"), std::string::npos) << e;

  e = Error("a.crt", "a.crt");  // a certificate where the key belongs
  EXPECT_NE(e.find("server.tls_key"), std::string::npos) << e;
}

// Before: OpenSSL would prompt on the terminal for the passphrase and wait there.
TEST_F(TlsContextTest, AnEncryptedKeyFailsInsteadOfPrompting) {
  MakeCert(dir_, "enc", "-passout pass:secret");
  const std::string e = Error("enc.crt", "enc.key");
  EXPECT_NE(e.find("server.tls_key"), std::string::npos) << e;
  EXPECT_NE(e.find("encrypted"), std::string::npos) << e;
}

}  // namespace
}  // namespace arc
