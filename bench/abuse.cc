// arc_abuse: the attacks of issue 11 against a running server, for a fixed time, plus a /health
// probe that measures what a monitoring system would see. Used by bench/abuse.sh beside a
// legitimate load (arc_loadgen) to show the load does not notice.
//
//   arc_abuse --port P --duration S [--read-token T] [--write-token T] [--pid SERVER_PID]
//             [--uploads N] [--upload-mbps M] [--queries N] [--bombs N] [--hold N] [--probe]
//
//   --uploads N     N anonymous clients each announcing a 250 MB body and streaming junk (half
//                   of them with Expect: 100-continue), reconnecting when cut off; together at
//                   most M MB/s (default 200)
//   --queries N     N clients with a read token looping a slow query (range(1e12)), a huge
//                   result (10 GB of text), a 2 GB string and a big sort
//   --bombs N       N clients with a write token posting a 2 GiB zstd bomb and a 1 GiB gzip bomb
//   --hold N        holds N idle connections open (descriptor exhaustion), reopening closed ones
//   --probe         GET /health on a fresh connection every 100 ms: latency percentiles
// Prints one line per attack (attempts, answers by status) and the probe's figures; with
// --pid, the server's RSS sampled every 100 ms (max) and its VmHWM.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "util/http_client.h"
#include "util/raw_socket.h"
#include "util/test_util.h"

namespace {

using namespace arc::test;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Options {
  int port = 8000;
  double duration = 20;
  std::string read_token, write_token;
  int pid = 0;
  int uploads = 0, queries = 0, bombs = 0, hold = 0;
  double upload_mbps = 200;
  bool probe = false;
};

// Answers by status code, per attack.
class Tally {
 public:
  void Add(const std::string& attack, int status) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[attack][status];
  }
  void Print() const {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [attack, by_status] : counts_) {
      std::printf("attack %-8s", attack.c_str());
      for (const auto& [status, n] : by_status)
        std::printf(" %s=%d", status ? std::to_string(status).c_str() : "cut", n);
      std::printf("\n");
    }
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<int, int>> counts_;
};

std::string Head(const std::string& method, const std::string& target, const std::string& fields) {
  return method + " " + target + " HTTP/1.1\r\nHost: arc\r\n" + fields + "\r\n";
}

void Uploads(const Options& o, int index, Clock::time_point end, Tally* tally) {
  const std::string mb(1 << 20, 'x');
  const double per_client_bytes_per_sec = o.upload_mbps * 1e6 / o.uploads;
  const bool expect = index % 2 == 0;
  while (Clock::now() < end) {
    RawConnection c(o.port);
    const std::string fields =
        std::string("Content-Length: 262144000\r\n") + (expect ? "Expect: 100-continue\r\n" : "");
    c.Send(Head("POST", "/write?db=victim", fields));
    if (expect) {
      tally->Add("upload", StatusOf(c.Read(milliseconds(3000), "\r\n\r\n")));
      continue;
    }
    const auto start = Clock::now();
    uint64_t sent = 0;
    while (Clock::now() < end && sent < (250u << 20) && c.Send(mb)) {
      sent += mb.size();
      const auto due = start + std::chrono::microseconds(
                                   static_cast<int64_t>(sent / per_client_bytes_per_sec * 1e6));
      std::this_thread::sleep_until(due);
    }
    tally->Add("upload", StatusOf(c.Read(milliseconds(500), "\r\n\r\n")));
  }
}

void Queries(const Options& o, int index, Clock::time_point end, Tally* tally) {
  const char* sqls[] = {
      "SELECT count(*) FROM range(1000000000000)",
      "SELECT repeat('x', 1000) AS s FROM range(10000000)",
      "SELECT max(length(repeat('x', 2000000000)))",
      "SELECT * FROM range(50000000) ORDER BY random()",
  };
  HttpClient c(o.port);
  for (int i = index; Clock::now() < end; ++i) {
    const nlohmann::json body = {{"sql", sqls[i % 4]}};
    tally->Add(
        "query",
        c.Post("/api/v1/query", body.dump(), {{"Authorization", "Bearer " + o.read_token}}).status);
  }
}

// Built once, before the clock starts (the gzip one takes a second of CRC).
const std::string& ZstdBomb() {
  static const std::string bomb = ZstdZeros(2ull << 30);
  return bomb;
}
const std::string& GzipBomb() {
  static const std::string bomb = GzipZeros(1ull << 30);
  return bomb;
}

void Bombs(const Options& o, int index, Clock::time_point end, Tally* tally) {
  const std::string& zstd = ZstdBomb();
  const std::string& gzip = GzipBomb();
  HttpClient c(o.port);
  for (int i = index; Clock::now() < end; ++i) {
    const bool z = i % 2 == 0;
    tally->Add("bomb", c.Post("/write?db=victim", z ? zstd : gzip,
                              {{"Authorization", "Bearer " + o.write_token},
                               {"Content-Encoding", z ? "zstd" : "gzip"}})
                           .status);
  }
}

void Hold(const Options& o, Clock::time_point end, Tally* tally) {
  std::vector<std::unique_ptr<RawConnection>> held;
  while (Clock::now() < end) {
    // Reopen what the server closed (it evicts idle connections at its cap).
    held.erase(std::remove_if(held.begin(), held.end(),
                              [](const std::unique_ptr<RawConnection>& c) {
                                return c->ClosedWithin(milliseconds(0));
                              }),
               held.end());
    while (static_cast<int>(held.size()) < o.hold && Clock::now() < end) {
      auto c = std::make_unique<RawConnection>(o.port);
      if (!c->connected()) break;
      held.push_back(std::move(c));
      tally->Add("hold", 1);  // "1": a connection opened
    }
    std::this_thread::sleep_for(milliseconds(200));
  }
}

void Probe(const Options& o, Clock::time_point end, std::vector<double>* latencies_ms,
           int* failures) {
  while (Clock::now() < end) {
    const auto t = Clock::now();
    HttpClient c(o.port);
    if (c.Get("/health").status == 200) {
      latencies_ms->push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
    } else {
      ++*failures;
    }
    std::this_thread::sleep_until(t + milliseconds(100));
  }
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", k.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--port")
      o.port = std::atoi(value().c_str());
    else if (k == "--duration")
      o.duration = std::atof(value().c_str());
    else if (k == "--read-token")
      o.read_token = value();
    else if (k == "--write-token")
      o.write_token = value();
    else if (k == "--pid")
      o.pid = std::atoi(value().c_str());
    else if (k == "--uploads")
      o.uploads = std::atoi(value().c_str());
    else if (k == "--upload-mbps")
      o.upload_mbps = std::atof(value().c_str());
    else if (k == "--queries")
      o.queries = std::atoi(value().c_str());
    else if (k == "--bombs")
      o.bombs = std::atoi(value().c_str());
    else if (k == "--hold")
      o.hold = std::atoi(value().c_str());
    else if (k == "--probe")
      o.probe = true;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  if (o.bombs > 0) {
    ZstdBomb();
    GzipBomb();
  }
  const auto end = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(o.duration * 1e6));
  Tally tally;
  std::vector<std::thread> threads;
  for (int i = 0; i < o.uploads; ++i) threads.emplace_back(Uploads, std::cref(o), i, end, &tally);
  for (int i = 0; i < o.queries; ++i) threads.emplace_back(Queries, std::cref(o), i, end, &tally);
  for (int i = 0; i < o.bombs; ++i) threads.emplace_back(Bombs, std::cref(o), i, end, &tally);
  if (o.hold > 0) threads.emplace_back(Hold, std::cref(o), end, &tally);
  std::vector<double> probe_ms;
  int probe_failures = 0;
  if (o.probe) threads.emplace_back(Probe, std::cref(o), end, &probe_ms, &probe_failures);
  long max_rss_mb = 0;
  while (Clock::now() < end) {
    if (o.pid > 0) max_rss_mb = std::max(max_rss_mb, StatsOf(o.pid).rss_mb);
    std::this_thread::sleep_for(milliseconds(100));
  }
  for (auto& t : threads) t.join();
  tally.Print();
  if (o.probe) {
    std::sort(probe_ms.begin(), probe_ms.end());
    auto pct = [&](double p) {
      return probe_ms.empty() ? 0.0
                              : probe_ms[std::min(probe_ms.size() - 1,
                                                  static_cast<size_t>(p * probe_ms.size()))];
    };
    std::printf("health probes=%zu failed=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
                probe_ms.size(), probe_failures, pct(0.5), pct(0.99), pct(1.0));
  }
  if (o.pid > 0) {
    std::printf("server rss_max_sampled_mb=%ld peak_rss_mb=%ld\n", max_rss_mb,
                StatsOf(o.pid).peak_rss_mb);
  }
  return 0;
}
