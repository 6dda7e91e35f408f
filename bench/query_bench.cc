// arc_query_bench: times queries through arc's /api/v1/query and the same SQL run directly
// by DuckDB on the same Parquet files, alternating, in one process. Prints the median of
// each and the ratio.
//
//   arc_query_bench --port 8000 --token T --db bench --root data/arc --runs 7 [--ideal DIR]
//
// With --ideal, the direct side reads the ideal layout of the same rows instead: one file per
// hour sorted by host, region, time, written to DIR (first run) from arc's files.
#include <arpa/inet.h>
#include <duckdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Options {
  int port = 8000;
  std::string token, db = "bench", root = "data/arc", measurement = "cpu";
  int runs = 7;
  std::string hour_start, hour_end;  // filled from the data
  std::string ideal;                  // a folder for the ideal layout, or ""
};

std::string JsonEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// One POST on a fresh connection; returns the HTTP status and the body.
int Post(const Options& o, const std::string& sql, std::string* body) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return -1;
  const std::string payload = "{\"sql\": \"" + JsonEscape(sql) + "\"}";
  std::string req = "POST /api/v1/query HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " +
                    o.token + "\r\nx-arc-database: " + o.db + "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(payload.size()) + "\r\n\r\n" + payload;
  ::send(fd, req.data(), req.size(), 0);
  std::string resp;
  char buf[65536];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) resp.append(buf, n);
  ::close(fd);
  const size_t head = resp.find("\r\n\r\n");
  *body = head == std::string::npos ? "" : resp.substr(head + 4);
  return resp.size() > 12 ? std::atoi(resp.c_str() + 9) : -1;
}

double Ms(std::chrono::steady_clock::time_point a) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Scalar(duckdb_connection c, const std::string& sql) {
  duckdb_result r;
  std::string out;
  if (duckdb_query(c, sql.c_str(), &r) == DuckDBSuccess) {
    char* v = duckdb_value_varchar(&r, 0, 0);
    out = v ? v : "";
    duckdb_free(v);
  } else {
    std::fprintf(stderr, "direct query failed: %s\n", duckdb_result_error(&r));
  }
  duckdb_destroy_result(&r);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") o.port = std::atoi(v.c_str());
    else if (k == "--token") o.token = v;
    else if (k == "--db") o.db = v;
    else if (k == "--root") o.root = v;
    else if (k == "--runs") o.runs = std::atoi(v.c_str());
    else if (k == "--ideal") o.ideal = v;
  }
  duckdb_database db;
  duckdb_connection conn;
  duckdb_open(nullptr, &db);
  duckdb_connect(db, &conn);
  duckdb_result ignored;
  duckdb_query(conn, "SET TimeZone = 'UTC'", &ignored);
  duckdb_destroy_result(&ignored);
  const std::string files = "read_parquet('" + o.root + "/" + o.db + "/" + o.measurement +
                            "/*/*/*/*/*.parquet', union_by_name = true)";
  std::string direct = files;
  if (!o.ideal.empty()) {
    // One sorted file per hour, written once: later runs compare against the same files.
    if (Scalar(conn, "SELECT count(*) FROM glob('" + o.ideal + "/*.parquet')") == "0") {
      const std::string hours = Scalar(conn, "SELECT string_agg(DISTINCT strftime(date_trunc('hour', time), '%Y%m%d%H'), ',') FROM " + files);
      for (size_t at = 0; at < hours.size();) {
        const size_t comma = std::min(hours.find(',', at), hours.size());
        const std::string h = hours.substr(at, comma - at);
        at = comma + 1;
        Scalar(conn, "COPY (SELECT * FROM " + files + " WHERE strftime(date_trunc('hour', time), '%Y%m%d%H') = '" + h +
                         "' ORDER BY host, region, time) TO '" + o.ideal + "/" + h +
                         ".parquet' (FORMAT parquet, COMPRESSION zstd)");
      }
    }
    direct = "read_parquet('" + o.ideal + "/*.parquet', union_by_name = true)";
    std::printf("direct side: the ideal layout, %s files\n",
                Scalar(conn, "SELECT count(*) FROM glob('" + o.ideal + "/*.parquet')").c_str());
  }
  const std::string rows = Scalar(conn, "SELECT count(*) FROM " + files);
  const std::string start = Scalar(conn, "SELECT strftime(date_trunc('hour', min(time)), '%Y-%m-%d %H:%M:%S') FROM " + files);
  const std::string end = Scalar(conn, "SELECT strftime(date_trunc('hour', min(time)) + INTERVAL 1 HOUR, '%Y-%m-%d %H:%M:%S') FROM " + files);
  const std::string nfiles = Scalar(conn, "SELECT count(*) FROM glob('" + o.root + "/" + o.db + "/" + o.measurement + "/*/*/*/*/*.parquet')");
  std::printf("data: %s rows in %s files; hour for the range query: %s\n", rows.c_str(), nfiles.c_str(), start.c_str());
  struct Q { const char* name; std::string sql; };
  const std::vector<Q> queries = {
      {"count", "SELECT count(*) FROM $T"},
      {"avg by host, one hour", "SELECT host, avg(usage_user) FROM $T WHERE time >= '" + start + "' AND time < '" + end + "' GROUP BY host"},
      {"last value per host", "SELECT host, arg_max(usage_user, time) FROM $T GROUP BY host"},
  };
  std::printf("%-24s %12s %12s %8s\n", "query", "arc ms", "direct ms", "ratio");
  for (const Q& q : queries) {
    auto with = [&](const std::string& t) {
      std::string s = q.sql;
      s.replace(s.find("$T"), 2, t);
      return s;
    };
    std::vector<double> arc_ms, direct_ms;
    std::string body;
    for (int run = 0; run < o.runs; ++run) {
      auto t0 = std::chrono::steady_clock::now();
      const int status = Post(o, with(o.measurement), &body);
      arc_ms.push_back(Ms(t0));
      if (status != 200) {
        std::fprintf(stderr, "arc answered %d: %s\n", status, body.c_str());
        return 1;
      }
      t0 = std::chrono::steady_clock::now();
      duckdb_result r;
      duckdb_query(conn, with(direct).c_str(), &r);
      for (duckdb_data_chunk c = duckdb_fetch_chunk(r); c; c = duckdb_fetch_chunk(r)) duckdb_destroy_data_chunk(&c);
      duckdb_destroy_result(&r);
      direct_ms.push_back(Ms(t0));
    }
    const double a = Median(arc_ms), d = Median(direct_ms);
    std::printf("%-24s %12.1f %12.1f %7.2fx\n", q.name, a, d, a / d);
  }
  duckdb_disconnect(&conn);
  duckdb_close(&db);
  return 0;
}
