// The query worker: a child process (the arc binary started with --query-worker FD) that runs
// user SQL on its own locked-down DuckDB, so that no query can take the server down:
//   - its address space is capped (RLIMIT_AS, and its resident memory by a MemoryWatch where
//     sanitizers rule RLIMIT_AS out): a query that wants more memory than allowed fails or
//     dies alone, whatever DuckDB's own memory_limit manages to enforce;
//   - the server kills it (SIGKILL) at the query's deadline: a cancellation the engine cannot
//     ignore, even inside a long-running function;
//   - it runs at a lower CPU priority than ingest, spills to a private folder outside the data
//     directory, and reads files only below the data directory.
// The conversation is in query/worker_protocol.h.
#pragma once

#include <string>

namespace arc {

// Serves queries on `fd` until the server closes it; returns the process exit code.
int RunQueryWorker(int fd);

// DuckDB's message made fit for a client: without the SQL context lines (they would show the
// server's rewritten SQL) and with `root` (the data directory's absolute path) removed from
// paths.
std::string SanitizeQueryError(std::string message, const std::string& root);

}  // namespace arc
