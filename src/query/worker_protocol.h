// The conversation between the server and a query worker process over a socket pair:
// framed messages [u32 type][u64 length][payload], both directions blocking.
//
//   server → worker   kSetup   once, JSON: {"root", "spill_dir", "memory_limit", "threads",
//                              "address_space_bytes", "max_rows", "max_result_bytes",
//                              "max_arrow_rows"}
//   server → worker   kQuery   u32 n, JSON {"sql", "tables": n, "format": "json"|"arrow",
//                              "files": [[path, ...], ...], "file_sizes": [[bytes, ...], ...]},
//                              then n × (u64 size, bytes): each table is the buffered rows of
//                              one arc_buffered(i) source, as ingest/batch_codec documents;
//                              files[k] is bound to the SQL's parameter $arc_files_<k>
//                              (QueryFilesParameter) as a VARCHAR list, and the worker binds
//                              $arc_union_<k> (QueryUnionParameter); file_sizes[k] are the
//                              sizes of files[k] as listed (the worker's footer cache budget)
//   worker → server   kHeader  JSON {"columns": [...], "rows": n}: for JSON the result is
//                              complete; for Arrow "rows" is -1 and the first rows are fetched
//                    kData    a piece of the JSON "data" array's text, or of the Arrow IPC
//                              stream (docs/arrow-ipc.md), in order
//                    kEnd     empty: the last piece was sent
//                    kError   the error message: instead of kHeader, or (Arrow only) after
//                              some kData when the stream fails part way; the worker stays usable
//                    kFatal   as kError, but the engine invalidated its database: the worker
//                              exits after sending it and must not be leased again
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace arc {

enum class WorkerMessage : uint32_t { kSetup = 1, kQuery = 2, kHeader = 3, kData = 4, kEnd = 5, kError = 6, kFatal = 7 };

// "arc_files_<k>": the name of the SQL parameter holding the file list of read_parquet source k.
std::string QueryFilesParameter(size_t k);
// "arc_union_<k>": the name of the SQL parameter holding source k's union_by_name (the worker
// chooses it: false when all its files share one schema).
std::string QueryUnionParameter(size_t k);

// Writes one message to `fd` (all of it, retrying on EINTR).
Status WriteWorkerMessage(int fd, WorkerMessage type, std::string_view payload);
// Reads one message; IOError on EOF (the peer died or was killed) or when the payload is
// larger than `max_payload`.
Status ReadWorkerMessage(int fd, WorkerMessage* type, std::string* payload, uint64_t max_payload);

}  // namespace arc
