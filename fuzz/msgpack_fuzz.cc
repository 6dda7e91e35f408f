// libFuzzer target: Arc's MessagePack write format (DecodeMsgpack), the body of
// /api/v1/write/msgpack, and the WAL payload decoders run at recovery (DecodeBatchSet,
// DescribePayload / ScanPayloadHours) on the same bytes: bytes starting with 0xC1 reach the
// columnar binary decoder (seed wal_payload_columnar), others the MessagePack one.
// Input: the request body.
// Invariants: a decoded set is well formed and storable and round-trips through the WAL codec;
// errors are InvalidArgument (live decode) or Corruption (WAL payload).
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "ingest/msgpack_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace arc;
  const std::string_view body = fuzz::AsView(data, size);
  fuzz::SetRules rules;
  rules.tags_are_strings = false;  // columnar "tags" may name non-string columns

  BatchSet set("fuzzdb");
  const Status st = DecodeMsgpack(body, fuzz::kFuzzNowUs, &set);
  if (st.ok()) {
    fuzz::CheckBatchSet(set, rules);
    fuzz::CheckCodecRoundTrip(set);
  } else {
    FUZZ_CHECK(st.code() == StatusCode::kInvalidArgument, st.ToString());
  }

  // The same bytes as a WAL payload (what recovery meets after a CRC-valid entry).
  std::unique_ptr<BatchSet> replayed;
  const Status wal = DecodeBatchSet(body, &replayed);
  if (wal.ok()) {
    fuzz::SetRules wal_rules = rules;
    wal_rules.one_batch_per_measurement = false;
    fuzz::CheckBatchSet(*replayed, wal_rules);
    fuzz::CheckCodecRoundTrip(*replayed);
  } else {
    // Documented as Corruption; a document cut short inside its first map header comes back as
    // the reader's InvalidArgument. Either way recovery only tests ok().
    FUZZ_CHECK(wal.code() == StatusCode::kCorruption || wal.code() == StatusCode::kInvalidArgument, wal.ToString());
  }
  // The cheap recovery scan assumes our encoding (µs, "m" before "columns"); on other bytes it
  // must only not crash (CheckCodecRoundTrip compares it with the decoder on encoded sets).
  DescribePayload(body);
  return 0;
}
