// The partition layout: the one owner of folder and file names below the data root, used by
// every writer and reader, local and S3 (LevelDB's db/filename.h is the model).
//
//   <db>/<measurement>/YYYY/MM/DD/HH/<stem>.parquet      hour = UTC hour of the rows
//
// Data file stems, each after the writing server's node id and "_" (server.node_id; files
// written before node ids have none and count as the local node's):
//   w<k>-<first>-<last>     rows of worker k's WAL entries [first, last] (WAL on)
//   b<boot>-w<k>-<seq>      flush <seq> of worker k in the process started at <boot> ms (WAL off)
//   c<boot>-<n>, d<boot>-<n> outputs of compaction and delete (docs/lifecycle.md)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace arc {

// "<db>/<measurement>".
std::string MeasurementDirectory(std::string_view db, std::string_view measurement);
// "<db>/.created": CREATE DATABASE's record that the database exists before it has data
// (relative to storage.local_path; a dot name, so no listing takes it for a measurement).
std::string DatabaseCreatedMarker(std::string_view db);

// "YYYY/MM/DD/HH" of an hour since the epoch (UTC).
std::string HourFolder(int64_t hour);
// "<db>/<measurement>/YYYY/MM/DD/HH".
std::string HourDirectory(std::string_view db, std::string_view measurement, int64_t hour);
// "<db>/<measurement>/YYYY/MM/DD/HH/<stem>.parquet".
std::string DataFilePath(std::string_view db, std::string_view measurement, int64_t hour,
                         std::string_view stem);

// The hour of the folders YYYY, MM, DD, HH (digits only, a real calendar hour), or nullopt.
std::optional<int64_t> ParseHourFolder(std::string_view year, std::string_view month,
                                       std::string_view day, std::string_view hour);

struct PartitionPath {
  std::string database;
  std::string measurement;
  int64_t hour = 0;
  std::string file;  // the file name, e.g. "w1-5-9.parquet"
};
// Parses "<db>/<measurement>/YYYY/MM/DD/HH/<file>"; nullopt for anything else.
std::optional<PartitionPath> ParsePartitionPath(std::string_view relative_path);

// True for "<something>.parquet".
bool IsParquetFileName(std::string_view name);

// True for a node id: 1 to 32 lower-case letters and digits.
bool IsValidNodeId(std::string_view node);
// "<node>_<stem>", or `stem` when `node` is empty.
std::string NodeStem(std::string_view node, std::string_view stem);
// The node id a data file name starts with ("" for a name from before node ids).
std::string_view FileNode(std::string_view file_name);
// The name without its node id.
std::string_view WithoutNode(std::string_view file_name);

// "w<k>-<first>-<last>" and "b<boot>-w<k>-<seq>".
std::string WalFlushStem(int worker, uint64_t first_lsn, uint64_t last_lsn);
std::string BootFlushStem(uint64_t boot_id, int worker, uint64_t sequence);

struct WalFlushName {
  std::string node;  // "" for a name from before node ids
  int worker = 0;
  uint64_t first_lsn = 0;
  uint64_t last_lsn = 0;
};
// Parses "[<node>_]w<k>-<first>-<last>.parquet"; nullopt for any other name.
std::optional<WalFlushName> ParseWalFlushName(std::string_view file_name);

}  // namespace arc
