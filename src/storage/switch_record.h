// SwitchRecord: the durable record of one file-set switch (docs/lifecycle.md, "The record"):
// its kind, its state (intent or committed), the files it removes and the files it adds.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace arc {

enum class SwitchKind { kCompact, kDelete, kRetention };
enum class SwitchState { kIntent, kCommitted };

const char* SwitchKindName(SwitchKind kind);

struct SwitchOutput {
  std::string temp;  // relative to the data root (".lifecycle/out-<seq>-<i>.parquet")
  std::string path;  // the final relative path (<db>/<m>/YYYY/MM/DD/HH/<stem>.parquet)
  uint64_t rows = 0;
};

struct SwitchRecord {
  uint64_t seq = 0;
  SwitchKind kind = SwitchKind::kCompact;
  SwitchState state = SwitchState::kIntent;
  std::vector<std::string> inputs;  // relative paths, deleted by the switch
  std::vector<SwitchOutput> outputs;
};

// "ARCSWITCH 1 <crc>\n<json>\n". Pure.
std::string EncodeSwitchRecord(const SwitchRecord& record);
// Corruption (naming the problem) for anything but a record EncodeSwitchRecord wrote,
// including any path that is not a data file of the layout or a lifecycle temp file. Pure.
Result<SwitchRecord> DecodeSwitchRecord(const std::string& text);

}  // namespace arc
