// libFuzzer target: InfluxDB line protocol (ParseLineProtocol), the body of /write,
// /api/v2/write and /api/v1/write/line-protocol.
// Input: byte 0 picks the precision (ns, us, ms, s, m, h), the rest is the request body.
// Invariants on success: the BatchSet is well formed and storable (CheckBatchSet), and the
// WAL codec round-trips it. On failure: an InvalidArgument, never anything else.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "ingest/line_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arc;
  if (size == 0) return 0;
  const auto precision = static_cast<Precision>(data[0] % 6);
  const std::string_view body = fuzz::AsView(data + 1, size - 1);
  BatchSet set("fuzzdb");
  const Status st = ParseLineProtocol(body, precision, fuzz::kFuzzNowUs, &set);
  if (!st.ok()) {
    FUZZ_CHECK(st.code() == StatusCode::kInvalidArgument, st.ToString());
    return 0;
  }
  fuzz::CheckBatchSet(set);
  fuzz::CheckCodecRoundTrip(set);
  return 0;
}
