// Writes the seed corpus of every fuzz target into <dir>/<target>/ (fuzz/corpus in the repo):
// a handful of small realistic inputs each, built with the project's own encoders (line
// protocol from the README and the tests, MessagePack as clients and the WAL codec write it,
// gzip/zstd bodies, WAL segments written with the wal/format.h helpers, HTTP heads, SQL from
// the query tests). Deterministic; rerun after changing an input format:
//   cmake --build build-fuzz --target arc_fuzz_seeds && build-fuzz/fuzz/arc_fuzz_seeds fuzz/corpus
#include <libdeflate.h>
#include <zstd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "ingest/batch_codec.h"
#include "ingest/line_protocol.h"
#include "ingest/msgpack_writer.h"
#include "wal/format.h"

namespace {

using namespace arc;
namespace fs = std::filesystem;

std::string g_root;

void Put(const std::string& target, const std::string& name, const std::string& bytes) {
  const fs::path dir = fs::path(g_root) / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

std::string Gzip(const std::string& in, int level = 6) {
  libdeflate_compressor* c = libdeflate_alloc_compressor(level);
  std::string out(libdeflate_gzip_compress_bound(c, in.size()), '\0');
  out.resize(libdeflate_gzip_compress(c, in.data(), in.size(), out.data(), out.size()));
  libdeflate_free_compressor(c);
  return out;
}

std::string Zstd(const std::string& in, int level = 3) {
  std::string out(ZSTD_compressBound(in.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), level));
  return out;
}

const char* kReadmeLines =
    "cpu,host=web-1,region=eu usage=42.5,procs=120i 1700000000\ncpu,host=web-2 usage=17 1700000000";
const char* kCodecLines =
    "cpu,host=a f=1.5,i=2i,s=\"x\",b=t 3600000000000\ncpu,host=b f=2.5 7200000000001\nmem used=10i 1000\n";

void LineProtocol() {
  // byte 0: precision index (0 ns, 1 us, 2 ms, 3 s, 4 m, 5 h)
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"readme_s", std::string("\x03") + kReadmeLines},
      {"codec_ns", std::string("\x00", 1) + kCodecLines},
      {"types_ns", std::string("\x00", 1) +
                       "cpu,host=a,region=eu usage=1.5,count=3i,big=7u,ok=true,msg=\"hi\" 1700000000123456789\n"},
      {"escapes", std::string("\x00", 1) + "my\\ cpu\\,x,ho\\=st=a\\ b\\,c f\\ 1=1i 1\n"
                                            "m s=\"a \\\"quoted\\\" \\\\ back, with = and space\",t=\"x\\ny\" 1\n"},
      {"comments_crlf", std::string("\x00", 1) + "# header\n\n   \nm v=1 1\r\n# mid\r\nm v=2 2\r\n\n"},
      {"numbers_ms", std::string("\x02") + "m a=1,b=-2.5,c=1e3,d=.5,e=+3,f=-9223372036854775808i,"
                                           "g=9223372036854775807u 9223372036854\n"},
      {"no_time_tag_field_clash", std::string("\x01") + "m,host=a host=1.5\nm v=1,v=2\ncpu v=1 1\nmem v=2i 2\n"},
      {"multiline_string_h", std::string("\x05") + "m s=\"line1\nline2\" 1\nm s=\"n\u00e9xt \xe2\x82\xac\" 2\n"},
      {"bad_value", std::string("\x00", 1) + "cpu usage=high"},
  };
  for (const auto& [name, bytes] : seeds) Put("line_protocol_fuzz", name, bytes);
}

BatchSet Parsed(const char* lines, Precision p) {
  BatchSet set("mydb");
  if (!ParseLineProtocol(lines, p, 1700000000000000, &set).ok()) std::abort();
  return set;
}

std::string WalPayload(const char* lines, Precision p = Precision::kNanoseconds) {
  return EncodeBatchSet(Parsed(lines, p));
}

// The payload encoding of builds before the columnar one (still replayed).
std::string OldWalPayload(const char* lines) {
  return EncodeBatchSetAsMessagePack(Parsed(lines, Precision::kNanoseconds));
}

void Msgpack() {
  MsgpackWriter columnar;  // the README's example
  columnar.Map(3);
  columnar.Str("m"); columnar.Str("cpu");
  columnar.Str("tags"); columnar.Array(1); columnar.Str("host");
  columnar.Str("columns"); columnar.Map(3);
  columnar.Str("time"); columnar.Array(2); columnar.Int(1700000000000); columnar.Int(1700000001000);
  columnar.Str("host"); columnar.Array(2); columnar.Str("web-3"); columnar.Nil();
  columnar.Str("usage"); columnar.Array(2); columnar.Double(3.5); columnar.Int(4);
  Put("msgpack_fuzz", "columnar", columnar.out());

  MsgpackWriter row;
  row.Map(4);
  row.Str("m"); row.Str("mem");
  row.Str("t"); row.Int(1700000000);
  row.Str("tags"); row.Map(1); row.Str("host"); row.Str("a");
  row.Str("fields"); row.Map(4);
  row.Str("used"); row.Int(10); row.Str("ratio"); row.Double(0.25);
  row.Str("ok"); row.Bool(true); row.Str("note"); row.Str("x");
  Put("msgpack_fuzz", "row", row.out());

  MsgpackWriter batch;  // {"batch": [row item, columnar item with time_unit]}
  batch.Map(1);
  batch.Str("batch"); batch.Array(2);
  batch.Map(3); batch.Str("measurement"); batch.Str("disk");
  batch.Str("time"); batch.Int(1700000000000000000);
  batch.Str("fields"); batch.Map(1); batch.Str("free"); batch.Int(-5);
  batch.Map(4); batch.Str("m"); batch.Str("disk"); batch.Str("time_unit"); batch.Str("ns");
  batch.Str("tags"); batch.Array(0);
  batch.Str("columns"); batch.Map(2);
  batch.Str("time"); batch.Array(1); batch.Int(-1000);
  batch.Str("free"); batch.Array(1); batch.Double(1.5);
  Put("msgpack_fuzz", "batch", batch.out());

  MsgpackWriter array;  // top-level array of items
  array.Array(2);
  array.Map(2); array.Str("m"); array.Str("a"); array.Str("fields"); array.Map(1); array.Str("v"); array.Int(1);
  array.Map(2); array.Str("m"); array.Str("b"); array.Str("fields"); array.Map(1); array.Str("v"); array.Nil();
  Put("msgpack_fuzz", "array", array.out());

  // Wider encodings than MsgpackWriter emits: uint64, float32, str8, array16, bin, ext.
  const std::string wide =
      std::string("\x83\xa1m\xd9\x03" "cpu" "\xa4tags\x90\xa7" "columns\x83", 23) +
      std::string("\xa4time\xdc\x00\x02\xcf\x00\x00\x01\x8b\xcf\xe5\x68\x00\xce\x65\x53\xf1\x00", 22) +
      std::string("\xa1v\x92\xca\x3f\xc0\x00\x00\xcc\xff", 10) +
      std::string("\xa1" "b\x92\xc4\x01\x00\xd4\x01\x00", 9);
  Put("msgpack_fuzz", "wide_types", wide);
  // What the WAL stores (and recovery decodes).
  Put("msgpack_fuzz", "wal_payload", OldWalPayload(kCodecLines));
  Put("msgpack_fuzz", "wal_payload_columnar", WalPayload(kCodecLines));
}

void Decompress() {
  // byte 0: flags (see decompress_fuzz.cc): 0x00 = no Content-Encoding, max 1 MiB
  const std::string lines = std::string(kReadmeLines) + "\n" + kCodecLines;
  Put("decompress_fuzz", "gzip_lines", std::string("\x00", 1) + Gzip(lines));
  Put("decompress_fuzz", "zstd_lines", std::string("\x00", 1) + Zstd(lines));
  Put("decompress_fuzz", "gzip_header_identity_body", std::string("\x01") + lines);          // CE gzip
  Put("decompress_fuzz", "zstd_header_br", std::string("\x03") + "abc");                     // CE br
  Put("decompress_fuzz", "gzip_bomb_max64k", std::string("\x18") + Gzip(std::string(200000, 'a'), 9));
  Put("decompress_fuzz", "zstd_bomb_max4k", std::string("\x14") + Zstd(std::string(200000, 'a'), 19));
  Put("decompress_fuzz", "zstd_truncated", std::string("\x20") + Zstd(lines).substr(0, 20));
  Put("decompress_fuzz", "roundtrip_text", std::string("\x40") + lines);
  Put("decompress_fuzz", "roundtrip_msgpack_high", std::string("\xc0") + OldWalPayload(kCodecLines));
}

std::string Entry(uint64_t lsn, uint64_t segment, const std::string& payload) {
  wal::EntryHeader h;
  h.lsn = lsn;
  h.segment = segment;
  char header[wal::kEntryHeaderSize];
  wal::EncodeEntryHeader(h, payload, header);
  return std::string(header, wal::kEntryHeaderSize) + payload;
}

void Segments() {
  wal::SegmentHeader h;
  h.worker = 1;
  h.segment = 3;
  h.first_lsn = 1700000000000001;
  h.created_us = 1700000000000000;
  std::string seg = wal::EncodeSegmentHeader(h);
  std::vector<size_t> starts;
  const char* requests[] = {kCodecLines, "cpu,host=web-1 usage=42.5 1700000000000000000\n",
                            "mem used=1i,free=2i 1700000000000000001\nmem used=3i 1700000000000000002\n"};
  for (size_t i = 0; i < 3; ++i) {
    starts.push_back(seg.size());
    seg += Entry(h.first_lsn + i, h.segment, OldWalPayload(requests[i]));
  }
  // byte 0 even: raw segment bytes
  const std::string raw("\x00", 1);
  Put("segment_reader_fuzz", "clean", raw + seg);
  Put("segment_reader_fuzz", "zero_tail", raw + seg + std::string(64, '\0'));
  Put("segment_reader_fuzz", "torn_tail", raw + seg.substr(0, seg.size() - 7));
  std::string corrupt = seg;
  corrupt[starts[1] + 40] ^= 0x5a;  // the middle entry's payload
  Put("segment_reader_fuzz", "corrupt_middle", raw + corrupt);
  Put("segment_reader_fuzz", "stale_after", raw + seg + Entry(h.first_lsn + 9, h.segment - 1, "old"));
  Put("segment_reader_fuzz", "header_only", raw + wal::EncodeSegmentHeader(h));
  // byte 0 odd: a recipe for the structured mode (segment built, then damaged)
  Put("segment_reader_fuzz", "recipe_plain", std::string("\x01\x02\x01\x05\x07") + "payload one\\" +
                                                 "payload two\\" + "three\\" + std::string(8, '\x00'));
  Put("segment_reader_fuzz", "recipe_damaged", std::string("\x01\x00\x02\x10\x05") + "aaaa\\bbbbbbbb\\cc\\" +
                                                   "dddddddd\\eee\\" + "\x03\x02\x40\x01\x7f\x00\x33\x10\x02");
}

void Http() {
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"get_health", "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"},
      {"post_write_gzip", "POST /write?db=mydb&precision=s HTTP/1.1\r\nHost: localhost:8000\r\n"
                          "Authorization: Bearer my-secret\r\nContent-Encoding: gzip\r\nContent-Length: 12\r\n\r\n"
                          "cpu usage=1\n"},
      {"post_msgpack_expect", "POST /api/v1/write/msgpack HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\n"
                              "x-arc-database: mydb\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nabcde"},
      {"post_chunked", "POST /api/v2/write?bucket=b&org=o HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n"},
      {"query_keepalive", "POST /api/v1/query HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n"
                          "Content-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"sql\": \"SELECT 1\"}"
                          "GET /metrics HTTP/1.1\r\n\r\n"},
      {"smuggle_cl_te", "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
      {"two_content_lengths", "POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\nhello"},
      {"obs_fold", "GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n"},
      {"http10", "GET /ready HTTP/1.0\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n"},
  };
  for (const auto& [name, bytes] : seeds) Put("request_screen_fuzz", name, bytes);
}

void Sql() {
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"readme", "SELECT host, avg(usage) AS avg_usage, count(*) FROM cpu WHERE time >= '2023-11-14 22:00:00' "
                 "GROUP BY host ORDER BY host"},
      {"cte_join_subquery", "WITH x AS (SELECT * FROM cpu) SELECT * FROM x JOIN other.mem m USING (host) "
                            "WHERE host IN (SELECT host FROM default.cpu)"},
      {"bounds", "SELECT count(*) FROM cpu WHERE host = 'a' AND time >= '2024-01-01 03:00:00' "
                 "AND time < TIMESTAMP '2024-01-01 05:00:00'"},
      {"between_flipped", "SELECT * FROM cpu c WHERE time BETWEEN '2024-01-01 03:30:00' AND '2024-01-01T04:10:00Z' "
                          "AND '2024-01-01 03:30:00+02:00' <= c.time"},
      {"or_union", "SELECT * FROM cpu WHERE time > '2024-01-01' OR host = 'a' UNION ALL "
                   "SELECT * FROM mem WHERE time > now() - INTERVAL 1 HOUR"},
      {"join_qualified", "SELECT c.host, c.s, m.used FROM cpu c JOIN other.mem m USING (host) "
                         "WHERE c.time > '2023-11-15' AND m.time <= '2023-11-16 00:00:00.5'"},
      {"unknown_and_files", "SELECT * FROM nosuch, default.nope, read_csv('/etc/passwd')"},
      {"two_statements", "SELECT 1; COPY (SELECT 1) TO 'data/arc/y.csv'"},
      {"not_select", "ATTACH '/tmp/x.db'"},
      {"syntax_error", "SELEC 1"},
      {"sample_alias_cols", "SELECT * FROM disk USING SAMPLE 10% AS d(a, b) ORDER BY 1 LIMIT 5"},
      // Once crashes (std::out_of_range / std::invalid_argument from SpliceSources), now refused.
      {"placeholder_out_of_range", "SELECT * FROM cpu, __arc_view_7()"},
      {"placeholder_not_a_number", "SELECT * FROM cpu, __arc_view_x()"},
  };
  for (const auto& [name, bytes] : seeds) Put("sql_rewrite_fuzz", name, bytes);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  LineProtocol();
  Msgpack();
  Decompress();
  Segments();
  Http();
  Sql();
  return 0;
}
