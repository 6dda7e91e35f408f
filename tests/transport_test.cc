// Transport (issue 14): TLS, gzip answers and CORS through the real server process, with real
// clients: the curl binary, python3-influxdb and urllib. Certificates are made by the openssl
// CLI in the test's temp directory at run time.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "util/raw_socket.h"
#include "util/server_fixture.h"

namespace arc::test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

struct CurlResult {
  int exit_code = -1;
  int status = 0;
  std::string headers;  // as received, lower-cased
  std::string body;
  bool HasHeader(const std::string& lower_line) const { return headers.find(lower_line) != std::string::npos; }
};

class TransportTest : public ServerFixture {
 protected:
  std::string Cert() const { return dir_.Sub("cert.pem"); }
  std::string Key() const { return dir_.Sub("key.pem"); }
  std::string Url(const std::string& path, bool tls = true) const {
    return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(server_->port()) + path;
  }

  // A self-signed P-256 certificate for 127.0.0.1 (named in subjectAltName, as clients check).
  void MakeCert(const std::string& cert, const std::string& key) {
    int rc = -1;
    Shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -sha256 -days 2 -nodes "
          "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert +
              " 2>&1",
          &rc);
    ASSERT_EQ(rc, 0);
  }

  void StartTls(std::map<std::string, std::string> env = {}) {
    MakeCert(Cert(), Key());
    env.emplace("ARC_AUTH_BOOTSTRAP_TOKEN", kToken);
    env.emplace("ARC_SERVER_TLS_CERT", Cert());
    env.emplace("ARC_SERVER_TLS_KEY", Key());
    server_ = std::make_unique<ServerProcess>(dir_.path(), BaseConfig(), env);
    server_->set_tls_ca(Cert());
    ASSERT_TRUE(server_->Start()) << server_->Log();
  }

  std::unique_ptr<HttpClient> TlsClient() {
    auto c = std::make_unique<HttpClient>(server_->port());
    c->UseTls(Cert());
    return c;
  }

  // The real curl binary; `args` are shell-quoted by the caller.
  CurlResult Curl(const std::string& args) {
    CurlResult r;
    const std::string h = dir_.Sub("curl.h"), b = dir_.Sub("curl.b");
    std::remove(h.c_str());
    std::remove(b.c_str());
    const std::string code = Shell("curl -sS --max-time 30 -D " + h + " -o " + b + " -w '%{http_code}' " + args +
                                       " 2>" + dir_.Sub("curl.err"),
                                   &r.exit_code);
    r.status = std::atoi(code.c_str());
    r.headers = ReadFileOrEmpty(h);
    for (char& c : r.headers) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.body = ReadFileOrEmpty(b);
    return r;
  }

  std::string Bearer() const { return std::string("-H 'Authorization: Bearer ") + kToken + "'"; }

  void ExpectAlive() {
    ASSERT_EQ(::kill(server_->pid(), 0), 0) << "the server died: " << server_->Log();
  }
};

// curl --cacert, the InfluxDB Python client (ssl=True, verify_ssl=<cert>) and urllib with an
// SSLContext each write and read over TLS; without the CA the handshake is refused.
TEST_F(TransportTest, TlsServesCurlAndPythonClients) {
  StartTls({{"ARC_SERVER_MAX_PAYLOAD_SIZE", "1MB"}});
  EXPECT_NE(server_->Log().find("TLS on"), std::string::npos) << server_->Log();

  CurlResult health = Curl("--cacert " + Cert() + " " + Url("/health"));
  EXPECT_EQ(health.exit_code, 0);
  EXPECT_EQ(health.status, 200) << health.body;
  CurlResult untrusted = Curl(Url("/health"));
  EXPECT_EQ(untrusted.exit_code, 60) << "curl: the self-signed certificate is not trusted";

  CurlResult write = Curl("--cacert " + Cert() + " " + Bearer() + " --data-binary 'cpu,host=a v=1i 1700000000000000000\n"
                          "cpu,host=b v=2i 1700000001000000000\ncpu,host=c v=3i 1700000002000000000' '" +
                          Url("/write?db=tls") + "'");
  EXPECT_EQ(write.status, 204) << write.body;
  CurlResult query = Curl("--cacert " + Cert() + " " + Bearer() +
                          " -H 'x-arc-database: tls' --data-binary '{\"sql\": \"SELECT sum(v) AS s FROM cpu\"}' " +
                          Url("/api/v1/query"));
  ASSERT_EQ(query.status, 200) << query.body;
  const json q = json::parse(query.body, nullptr, false);
  ASSERT_TRUE(q.is_object()) << query.body;
  EXPECT_EQ(q["data"][0][0], 6) << query.body;

  const std::string script = dir_.Sub("client.py");
  WriteTextFile(script, R"PY(
import json, ssl, sys, time, urllib.request
from influxdb import InfluxDBClient
port, cert, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = InfluxDBClient(host="127.0.0.1", port=port, username="py", password=token, database="pytls",
                   ssl=True, verify_ssl=cert, timeout=20)
print("version", c.ping())
points = [{"measurement": "m", "tags": {"h": "x%d" % (i % 5)}, "fields": {"v": float(i)},
           "time": 1700000000 + i} for i in range(2000)]
assert c.write_points(points, time_precision="s")
rows = list(c.query("SELECT * FROM m").get_points())
print("rows", len(rows), "sum", sum(r["v"] for r in rows))
ctx = ssl.create_default_context(cafile=cert)
req = urllib.request.Request("https://127.0.0.1:%d/api/v1/query" % port, method="POST",
    data=json.dumps({"sql": "SELECT count(*) AS n FROM m"}).encode(),
    headers={"Authorization": "Bearer " + token, "x-arc-database": "pytls"})
with urllib.request.urlopen(req, context=ctx, timeout=20) as r:
    print("urllib", r.status, json.loads(r.read())["data"][0][0])
try:
    urllib.request.urlopen("https://127.0.0.1:%d/health" % port, context=ssl.create_default_context(), timeout=20)
    print("untrusted accepted")
except urllib.error.URLError as e:
    print("untrusted refused", "CERTIFICATE_VERIFY_FAILED" in str(e))
)PY");
  int rc = -1;
  const std::string out = Shell("/usr/bin/python3 " + script + " " + std::to_string(server_->port()) + " " +
                                    Cert() + " " + kToken + " 2>&1",
                                &rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("version "), std::string::npos) << out;
  EXPECT_NE(out.find("rows 2000 sum 1999000"), std::string::npos) << out;
  EXPECT_NE(out.find("urllib 200 2000"), std::string::npos) << out;
  EXPECT_NE(out.find("untrusted refused True"), std::string::npos) << out;

  // Keep-alive over TLS: many requests on one connection.
  auto client = TlsClient();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(client->Get("/health").status, 200) << i;
  // Body limits hold over TLS: the 413 comes, the rest of the body is drained, and the next
  // connection is served.
  HttpResult big = TlsClient()->Post("/write?db=tls", std::string(2 << 20, 'x'), Auth());
  EXPECT_EQ(big.status, 413) << big.body;
  // A streamed answer over TLS, gzipped, decoded by curl.
  CurlResult streamed = Curl("--compressed --cacert " + Cert() + " " + Bearer() +
                             " -H 'x-arc-database: pytls' --data-binary '{\"sql\": \"SELECT * FROM m\"}' " +
                             Url("/api/v1/query"));
  EXPECT_TRUE(streamed.HasHeader("content-encoding: gzip")) << streamed.headers;
  EXPECT_EQ(json::parse(streamed.body, nullptr, false)["row_count"], 2000) << streamed.body.substr(0, 200);
  // Graceful shutdown with TLS connections open.
  auto idle = TlsClient();
  EXPECT_EQ(idle->Get("/health").status, 200);
  EXPECT_EQ(server_->Stop(), 0) << server_->Log();
}

// A plain HTTP request on the TLS port gets a plain 400 (OpenSSL recognises it); other junk is
// closed; no thread hangs and the server keeps serving.
TEST_F(TransportTest, PlainHttpToTheTlsPortFailsCleanly) {
  StartTls();
  const auto t = Clock::now();
  const std::string answer = RawExchange(server_->port(), "GET /health HTTP/1.1\r\nHost: a\r\n\r\n", milliseconds(5000));
  EXPECT_LT(MsSince(t), 2000) << "answered at once, not at a timeout";
  EXPECT_EQ(StatusOf(answer), 400) << answer;
  EXPECT_NE(answer.find("HTTPS"), std::string::npos) << answer;
  CurlResult plain = Curl(Url("/health", false));
  EXPECT_NE(plain.status, 200);
  const std::string junk = RawExchange(server_->port(), std::string(3000, '\x17') + "\r\n\r\n", milliseconds(5000));
  EXPECT_EQ(StatusOf(junk), 0) << junk;
  // Many at once: none is left hanging on a thread.
  std::vector<std::thread> many;
  for (int i = 0; i < 16; ++i) {
    many.emplace_back([&] { RawExchange(server_->port(), "POST /write HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"); });
  }
  for (auto& th : many) th.join();
  ExpectAlive();
  EXPECT_EQ(TlsClient()->Get("/health").status, 200);
}

// A client that connects and never finishes (or never starts) the handshake is closed after
// header_timeout; while it waits it can be evicted at the connection cap.
TEST_F(TransportTest, StalledHandshakesAreClosedAfterTheHeaderTimeout) {
  StartTls({{"ARC_SERVER_HEADER_TIMEOUT_SECONDS", "2"}});
  RawConnection silent(server_->port());
  RawConnection partial(server_->port());
  partial.Send(std::string("\x16\x03\x01\x02\x00\x01", 6));  // a ClientHello record begun
  const auto t = Clock::now();
  EXPECT_FALSE(silent.ClosedWithin(milliseconds(1000))) << "not before the timeout";
  EXPECT_TRUE(silent.ClosedWithin(milliseconds(4000)));
  EXPECT_TRUE(partial.ClosedWithin(milliseconds(1000)));
  EXPECT_LT(MsSince(t), 4000);
  // After a handshake, the head has the rest of the same budget.
  RawConnection tcp_only(server_->port());
  EXPECT_TRUE(tcp_only.ClosedWithin(milliseconds(4000)));
  ExpectAlive();
}

TEST_F(TransportTest, HandshakingConnectionsAreEvictedAtTheCap) {
  StartTls({{"ARC_SERVER_MAX_CONNECTIONS", "4"}});
  std::this_thread::sleep_for(milliseconds(300));  // the readiness probe's connection is gone
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<RawConnection>(server_->port()));
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_EQ(TlsClient()->Get("/health").status, 0) << "at the cap, nobody has waited 1 s yet: closed";
  std::this_thread::sleep_for(milliseconds(1200));
  EXPECT_EQ(TlsClient()->Get("/health").status, 200) << "the oldest handshake made room";
  EXPECT_TRUE(held[0]->ClosedWithin(milliseconds(2000)));
  EXPECT_FALSE(held[3]->ClosedWithin(milliseconds(200)));
}

// One of the pair, a missing file, a mismatched key: start-up fails naming the key.
TEST_F(TransportTest, BadTlsSettingsStopStartUpNamingTheKey) {
  MakeCert(Cert(), Key());
  MakeCert(dir_.Sub("other.pem"), dir_.Sub("other.key"));
  struct Case {
    std::map<std::string, std::string> env;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases = {
      {{{"ARC_SERVER_TLS_CERT", dir_.Sub("missing.pem")}, {"ARC_SERVER_TLS_KEY", Key()}},
       {"server.tls_cert", "missing.pem", "cannot read"}},
      {{{"ARC_SERVER_TLS_CERT", Cert()}}, {"server.tls_cert is set but server.tls_key is not"}},
      {{{"ARC_SERVER_TLS_KEY", Key()}}, {"server.tls_key is set but server.tls_cert is not"}},
      {{{"ARC_SERVER_TLS_CERT", Cert()}, {"ARC_SERVER_TLS_KEY", dir_.Sub("other.key")}},
       {"server.tls_key", "does not match the certificate"}},
      {{{"ARC_SERVER_CORS_ORIGINS", "app.example"}}, {"server.cors_origins", "app.example"}},
  };
  for (const Case& c : cases) {
    std::map<std::string, std::string> env = c.env;
    env.emplace("ARC_AUTH_BOOTSTRAP_TOKEN", kToken);
    ServerProcess p(dir_.path(), BaseConfig(), env);
    const size_t before = p.Log().size();
    EXPECT_NE(p.RunToExit(30), 0);
    const std::string log = p.Log().substr(before);
    for (const std::string& e : c.expected) EXPECT_NE(log.find(e), std::string::npos) << e << " in:\n" << log;
  }
}

// curl --compressed decodes to the same JSON; Content-Encoding only when asked and above the
// threshold; the streamed /api/v1/query answer is gzip too.
TEST_F(TransportTest, AnswersAreGzippedWhenTheClientAsks) {
  StartServer();
  std::string lines;
  for (int i = 0; i < 20000; ++i) {
    lines += "m,host=h" + std::to_string(i % 17) + " v=" + std::to_string(i) + "i,s=\"text " +
             std::to_string(i * 7) + "\" " + std::to_string(1700000000 + i) + "\n";
  }
  ASSERT_EQ(client_->Post("/write?db=g&precision=s", lines, Auth()).status, 204);
  const std::string auth = Bearer();
  const std::string influx = "'" + Url("/query?db=g&q=SELECT%20*%20FROM%20m", false) + "'";

  const CurlResult plain = Curl(auth + " " + influx);
  ASSERT_EQ(plain.status, 200) << plain.body.substr(0, 300);
  ASSERT_GT(plain.body.size(), 500000u);
  EXPECT_FALSE(plain.HasHeader("content-encoding")) << plain.headers;
  EXPECT_TRUE(plain.HasHeader("vary: accept-encoding")) << plain.headers;
  const CurlResult decoded = Curl("--compressed " + auth + " " + influx);
  EXPECT_TRUE(decoded.HasHeader("content-encoding: gzip")) << decoded.headers;
  EXPECT_EQ(decoded.body, plain.body) << "the same JSON";
  EXPECT_EQ(json::parse(decoded.body)["results"][0]["series"][0]["values"].size(), 20000u);
  const CurlResult raw = Curl("-H 'Accept-Encoding: gzip' " + auth + " " + influx);
  EXPECT_TRUE(raw.HasHeader("content-encoding: gzip")) << raw.headers;
  EXPECT_EQ(raw.body.substr(0, 2), "\x1f\x8b");
  EXPECT_LT(raw.body.size(), plain.body.size() / 4);
  const CurlResult refused = Curl("-H 'Accept-Encoding: gzip;q=0, br' " + auth + " " + influx);
  EXPECT_FALSE(refused.HasHeader("content-encoding")) << refused.headers;
  EXPECT_EQ(refused.body, plain.body);

  // Below 1 KiB: as it is, asked or not.
  const CurlResult small = Curl("-H 'Accept-Encoding: gzip' '" + Url("/ping?verbose=true", false) + "'");
  EXPECT_EQ(small.status, 200);
  EXPECT_LT(small.body.size(), 1024u);
  EXPECT_FALSE(small.HasHeader("content-encoding")) << small.headers;
  EXPECT_NO_THROW(json::parse(small.body));

  // Streamed (chunked) answers are compressed piece by piece.
  const std::string sql = "-H 'x-arc-database: g' --data-binary '{\"sql\": \"SELECT * FROM m ORDER BY time\"}' " +
                          Url("/api/v1/query", false);
  const CurlResult splain = Curl(auth + " " + sql);
  const CurlResult sgz = Curl("--compressed " + auth + " " + sql);
  ASSERT_EQ(sgz.status, 200) << sgz.body.substr(0, 300);
  EXPECT_TRUE(sgz.HasHeader("transfer-encoding: chunked")) << sgz.headers;
  EXPECT_TRUE(sgz.HasHeader("content-encoding: gzip")) << sgz.headers;
  EXPECT_FALSE(splain.HasHeader("content-encoding")) << splain.headers;
  const json a = json::parse(splain.body, nullptr, false), b = json::parse(sgz.body, nullptr, false);
  ASSERT_TRUE(a.is_object() && b.is_object()) << sgz.body.substr(0, 300);
  EXPECT_EQ(b["row_count"], 20000);
  EXPECT_EQ(a["data"], b["data"]);
  EXPECT_EQ(a["columns"], b["columns"]);
  const CurlResult sraw = Curl("-H 'Accept-Encoding: gzip' " + auth + " " + sql);
  EXPECT_EQ(sraw.body.substr(0, 2), "\x1f\x8b");
  EXPECT_LT(sraw.body.size(), splain.body.size() / 4);

  // CORS is off by default: an Origin gets nothing back.
  const CurlResult origin = Curl("-H 'Origin: https://app.example' '" + Url("/health", false) + "'");
  EXPECT_FALSE(origin.HasHeader("access-control-")) << origin.headers;
}

// Preflights are answered before authentication; other origins get no CORS header.
TEST_F(TransportTest, CorsPreflightNeedsNoTokenAndOnlyListedOriginsGetHeaders) {
  StartServer("", {{"ARC_SERVER_CORS_ORIGINS", "https://app.example, http://localhost:3000"}});
  EXPECT_NE(server_->Log().find("CORS on for https://app.example, http://localhost:3000"), std::string::npos);
  const std::string preflight = "-X OPTIONS -H 'Access-Control-Request-Method: POST' "
                                "-H 'Access-Control-Request-Headers: authorization,content-type,x-arc-database' ";
  const CurlResult ok = Curl(preflight + "-H 'Origin: https://app.example' " + Url("/api/v1/query", false));
  EXPECT_EQ(ok.status, 204) << ok.body;
  EXPECT_TRUE(ok.HasHeader("access-control-allow-origin: https://app.example\r\n")) << ok.headers;
  EXPECT_TRUE(ok.HasHeader("access-control-allow-methods: get, head, post, put, patch, delete, options")) << ok.headers;
  EXPECT_TRUE(ok.HasHeader("access-control-allow-headers: authorization, content-type")) << ok.headers;
  EXPECT_TRUE(ok.HasHeader("x-arc-database")) << ok.headers;
  EXPECT_TRUE(ok.HasHeader("access-control-max-age: 7200")) << ok.headers;
  EXPECT_TRUE(ok.HasHeader("vary: origin")) << ok.headers;
  // Keep-alive after a preflight: the next request on the same connection is served.
  HttpClient c(server_->port());
  HttpResult pre = c.Request("OPTIONS", "/api/v1/measurements", "",
                             {{"Origin", "http://localhost:3000"}, {"Access-Control-Request-Method", "GET"}});
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.Header("access-control-allow-origin"), "http://localhost:3000");
  HttpResult get = c.Get("/api/v1/measurements", Auth({{"Origin", "http://localhost:3000"}}));
  EXPECT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.Header("access-control-allow-origin"), "http://localhost:3000");

  const CurlResult evil = Curl(preflight + "-H 'Origin: https://evil.example' " + Url("/api/v1/query", false));
  EXPECT_EQ(evil.status, 403) << evil.body;
  EXPECT_NE(evil.body.find("https://evil.example is not allowed by server.cors_origins"), std::string::npos);
  EXPECT_FALSE(evil.HasHeader("access-control-")) << evil.headers;

  const CurlResult health = Curl("-H 'Origin: https://app.example' " + Url("/ping", false));
  EXPECT_EQ(health.status, 204);
  EXPECT_TRUE(health.HasHeader("access-control-allow-origin: https://app.example")) << health.headers;
  EXPECT_TRUE(health.HasHeader("access-control-expose-headers: content-type")) << health.headers;
  EXPECT_TRUE(health.HasHeader("x-influxdb-version")) << health.headers;
  const CurlResult denied = Curl("-H 'Origin: https://app.example' " + Url("/api/v1/measurements", false));
  EXPECT_EQ(denied.status, 401);
  EXPECT_TRUE(denied.HasHeader("access-control-allow-origin: https://app.example"))
      << "the page can read why: " << denied.headers;
  const CurlResult other = Curl("-H 'Origin: https://evil.example' " + Bearer() + " " + Url("/api/v1/measurements", false));
  EXPECT_EQ(other.status, 200) << "served, but the browser withholds it";
  EXPECT_FALSE(other.HasHeader("access-control-")) << other.headers;
  // Vary lists both reasons in one field.
  const CurlResult both = Curl("-H 'Origin: https://app.example' -H 'Accept-Encoding: gzip' " + Bearer() +
                               " -H 'x-arc-database: d' --data-binary '{\"sql\": \"SELECT 1 AS one\"}' " +
                               Url("/api/v1/query", false));
  EXPECT_EQ(both.status, 200);
  EXPECT_TRUE(both.HasHeader("vary: accept-encoding, origin")) << both.headers;
  // An OPTIONS without Access-Control-Request-Method is no preflight: routed (and refused).
  const CurlResult options = Curl("-X OPTIONS -H 'Origin: https://app.example' " + Url("/api/v1/query", false));
  EXPECT_NE(options.status, 204);
  EXPECT_TRUE(options.HasHeader("access-control-allow-origin: https://app.example")) << options.headers;
}

}  // namespace
}  // namespace arc::test
