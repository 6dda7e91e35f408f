#include "storage/switch_record.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "storage/partition_layout.h"
#include "wal/format.h"

namespace arc {
namespace {

using nlohmann::json;

constexpr const char* kKindNames[] = {"compact", "delete", "retention"};

bool IsLifecycleTemp(const std::string& p) {
  // Recovery renames and deletes these: nothing outside .lifecycle may be named.
  return p.rfind(".lifecycle/out-", 0) == 0 && p.find('/', 11) == std::string::npos &&
         p.find("..") == std::string::npos;
}

bool IsDataFile(const std::string& p) {
  const std::optional<PartitionPath> part = ParsePartitionPath(p);
  return part.has_value() && IsParquetFileName(part->file) && p.find("..") == std::string::npos;
}

}  // namespace

const char* SwitchKindName(SwitchKind kind) { return kKindNames[static_cast<int>(kind)]; }

std::string EncodeSwitchRecord(const SwitchRecord& r) {
  json outputs = json::array();
  for (const SwitchOutput& o : r.outputs)
    outputs.push_back({{"temp", o.temp}, {"path", o.path}, {"rows", o.rows}});
  const std::string body = json{
      {"seq", r.seq},
      {"kind", SwitchKindName(r.kind)},
      {"state", r.state == SwitchState::kIntent ? "intent" : "committed"},
      {"inputs", r.inputs},
      {"outputs", outputs}}.dump();
  return "ARCSWITCH 1 " + std::to_string(wal::MaskCrc(wal::Crc32c(body))) + "\n" + body + "\n";
}

Result<SwitchRecord> DecodeSwitchRecord(const std::string& text) {
  const size_t nl = text.find('\n');
  int version = 0;
  unsigned long crc = 0;
  if (nl == std::string::npos ||
      std::sscanf(text.c_str(), "ARCSWITCH %d %lu", &version, &crc) != 2 || version != 1) {
    return Status::Corruption("not a switch record (bad first line)");
  }
  std::string body = text.substr(nl + 1);
  if (!body.empty() && body.back() == '\n') body.pop_back();
  if (wal::MaskCrc(wal::Crc32c(body)) != crc)
    return Status::Corruption("switch record fails its checksum");
  try {
    const json j = json::parse(body);
    SwitchRecord r;
    r.seq = j.at("seq").get<uint64_t>();
    const std::string kind = j.at("kind").get<std::string>();
    bool known = false;
    for (int k = 0; k < 3; ++k) {
      if (kind == kKindNames[k]) r.kind = static_cast<SwitchKind>(k), known = true;
    }
    const std::string state = j.at("state").get<std::string>();
    if (!known || (state != "intent" && state != "committed")) {
      return Status::Corruption("switch record of unknown kind or state");
    }
    r.state = state == "intent" ? SwitchState::kIntent : SwitchState::kCommitted;
    r.inputs = j.at("inputs").get<std::vector<std::string>>();
    for (const json& o : j.at("outputs")) {
      r.outputs.push_back({o.at("temp").get<std::string>(), o.at("path").get<std::string>(),
                           o.at("rows").get<uint64_t>()});
    }
    for (const std::string& p : r.inputs) {
      if (!IsDataFile(p)) return Status::Corruption("switch record names a non-data input " + p);
    }
    for (const SwitchOutput& o : r.outputs) {
      if (!IsDataFile(o.path) || !IsLifecycleTemp(o.temp)) {
        return Status::Corruption("switch record names a bad output " + o.path);
      }
    }
    return r;
  } catch (const std::exception& e) {
    return Status::Corruption(std::string("unreadable switch record: ") + e.what());
  }
}

}  // namespace arc
