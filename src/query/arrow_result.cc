#include "query/arrow_result.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <vector>

#include "query/arrow_c_data.h"
#include "query/arrow_ipc.h"
#include "storage/duckdb_util.h"

namespace arc {
namespace {

enum class ArrowCast { kNone, kDouble, kVarchar };

ArrowCast CastFor(duckdb_type t) {
  switch (t) {
    case DUCKDB_TYPE_BOOLEAN:
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BLOB:
    case DUCKDB_TYPE_DATE:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_S:
    case DUCKDB_TYPE_TIMESTAMP_MS:
    case DUCKDB_TYPE_TIMESTAMP_NS:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_SQLNULL:
    // Exported as Decimal128(38, 0) and (p, s): exact, as JSON gives them (sums of integer
    // fields are HUGEINT).
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_DECIMAL:
      return ArrowCast::kNone;
    case DUCKDB_TYPE_UHUGEINT:  // past Decimal128's 38 digits
      return ArrowCast::kDouble;
    default:
      return ArrowCast::kVarchar;
  }
}

// Takes DuckDB's error data: its message as an InvalidArgument, or OK when there is none.
Status TakeError(duckdb_error_data err, const char* what) {
  if (err == nullptr) return Status::OK();
  Status st = duckdb_error_data_has_error(err)
                  ? Status::InvalidArgument(std::string(what) + ": " + duckdb_error_data_message(err))
                  : Status::OK();
  duckdb_destroy_error_data(&err);
  return st;
}

Status ResultError(duckdb_result* result) {
  const char* err = duckdb_result_error(result);
  return Status::InvalidArgument(std::string("SQL error: ") + (err != nullptr ? err : "query failed"));
}

// The encoder for `result`'s columns, through DuckDB's Arrow schema export.
Result<ArrowIpcEncoder> EncoderFor(duckdb_result* result, duckdb_arrow_options options) {
  const idx_t n = duckdb_column_count(result);
  std::vector<duckdb_logical_type> types;
  std::vector<const char*> names;
  for (idx_t i = 0; i < n; ++i) {
    types.push_back(duckdb_column_logical_type(result, i));
    names.push_back(duckdb_column_name(result, i));
  }
  ArrowSchema schema{};
  Status st = TakeError(duckdb_to_arrow_schema(options, types.data(), names.data(), n, &schema),
                        "Arrow schema");
  for (duckdb_logical_type& t : types) duckdb_destroy_logical_type(&t);
  if (!st.ok()) return st;
  Result<ArrowIpcEncoder> encoder = ArrowIpcEncoder::Create(schema);
  if (schema.release != nullptr) schema.release(&schema);
  return encoder;
}

// One chunk as a record batch appended to *out; takes the chunk.
Status AppendChunk(const ArrowIpcEncoder& encoder, duckdb_arrow_options options, duckdb_data_chunk chunk,
                   std::string* out) {
  ArrowArray array{};
  Status st = TakeError(duckdb_data_chunk_to_arrow(options, chunk, &array), "Arrow export");
  duckdb_destroy_data_chunk(&chunk);
  if (st.ok()) st = encoder.AppendBatch(array, out);
  if (array.release != nullptr) array.release(&array);
  return st;
}

// The end of `sql`'s last token: trailing white space, comments and semicolons excluded
// (quoted text and identifiers are skipped whole), so the statement can be wrapped in
// parentheses. A query that names no measurement reaches the worker as the client wrote it.
size_t StatementEnd(const std::string& sql) {
  size_t end = 0;
  for (size_t i = 0; i < sql.size();) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {
      const size_t close = sql.find(c, i + 1);  // a doubled quote is two quoted runs
      i = close == std::string::npos ? sql.size() : close + 1;
      end = i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      i = std::min(sql.size(), sql.find('\n', i));
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const size_t close = sql.find("*/", i + 2);
      i = close == std::string::npos ? sql.size() : close + 2;
    } else if (c == ';' || std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else {
      end = ++i;
    }
  }
  return end;
}

}  // namespace

namespace {

struct ResultColumn {
  std::string name;
  duckdb_type type;
};

// The columns a SELECT produces; nullopt for another statement or one that does not bind.
std::optional<std::vector<ResultColumn>> SelectColumns(duckdb_connection conn, const std::string& sql,
                                                       const std::vector<SqlParameter>& params) {
  duckdb_prepared_statement stmt = nullptr;
  if (!PrepareWithParameters(conn, sql, params, &stmt).ok()) return std::nullopt;
  const bool select = duckdb_prepared_statement_type(stmt) == DUCKDB_STATEMENT_TYPE_SELECT;
  std::vector<ResultColumn> columns;
  if (select && params.empty()) {
    for (idx_t i = 0; i < duckdb_prepared_statement_column_count(stmt); ++i) {
      char* name = const_cast<char*>(duckdb_prepared_statement_column_name(stmt, i));
      columns.push_back({name != nullptr ? name : "", duckdb_prepared_statement_column_type(stmt, i)});
      if (name != nullptr) duckdb_free(name);
    }
  }
  duckdb_destroy_prepare(&stmt);
  if (!select) return std::nullopt;
  if (params.empty()) return columns;
  // With file lists as parameters the prepare binds nothing (streaming_select.h), so the
  // columns come from the query bound with its lists and no rows asked for.
  const std::string probe = "SELECT * FROM (" + sql.substr(0, StatementEnd(sql)) + ") AS arc_arrow_probe LIMIT 0";
  if (!PrepareWithParameters(conn, probe, params, &stmt).ok()) return std::nullopt;
  duckdb_result result;
  const bool ok = duckdb_execute_prepared(stmt, &result) == DuckDBSuccess;
  duckdb_destroy_prepare(&stmt);
  if (ok) {
    for (idx_t i = 0; i < duckdb_column_count(&result); ++i)
      columns.push_back({duckdb_column_name(&result, i), duckdb_column_type(&result, i)});
  }
  duckdb_destroy_result(&result);
  if (!ok) return std::nullopt;
  return columns;
}

}  // namespace

std::string ArrowCompatibleSql(duckdb_connection conn, const std::string& sql,
                               const std::vector<SqlParameter>& params) {
  const std::optional<std::vector<ResultColumn>> columns = SelectColumns(conn, sql, params);
  if (!columns.has_value()) return sql;
  std::string aliases, select;
  bool cast = false;
  for (size_t i = 0; i < columns->size(); ++i) {
    const std::string inner = "arc_c" + std::to_string(i);
    const std::string quoted = QuoteIdentifier((*columns)[i].name);
    const ArrowCast c = CastFor((*columns)[i].type);
    cast = cast || c != ArrowCast::kNone;
    aliases += (i ? ", " : "") + inner;
    select += (i ? ", " : "");
    select += c == ArrowCast::kNone     ? inner
              : c == ArrowCast::kDouble ? "CAST(" + inner + " AS DOUBLE)"
                                        : "CAST(" + inner + " AS VARCHAR)";
    select += " AS " + quoted;
  }
  if (!cast) return sql;
  return "SELECT " + select + " FROM (" + sql.substr(0, StatementEnd(sql)) +
         ") AS arc_arrow_source(" + aliases + ")";
}

Status StreamArrowResult(duckdb_result* result, const ArrowStreamLimits& limits,
                         const std::function<Status()>& ready,
                         const std::function<Status(std::string_view piece)>& send) {
  duckdb_arrow_options options = duckdb_result_get_arrow_options(result);
  const std::unique_ptr<void, void (*)(void*)> options_guard(
      options, [](void* p) { auto o = static_cast<duckdb_arrow_options>(p); duckdb_destroy_arrow_options(&o); });
  ARC_ASSIGN_OR_RETURN(const ArrowIpcEncoder encoder, EncoderFor(result, options));
  // The first chunk before anything is sent: most errors surface here and can still be
  // answered as errors, not as a cut stream.
  duckdb_data_chunk chunk = duckdb_fetch_chunk(*result);
  if (chunk == nullptr && duckdb_result_error(result) != nullptr) return ResultError(result);
  if (Status st = ready(); !st.ok()) {
    if (chunk != nullptr) duckdb_destroy_data_chunk(&chunk);
    return st;
  }
  std::string pending;
  encoder.AppendSchema(&pending);
  int64_t rows = 0;
  while (chunk != nullptr) {
    const idx_t size = duckdb_data_chunk_get_size(chunk);
    if (size == 0) {  // an empty chunk says nothing a reader needs
      duckdb_destroy_data_chunk(&chunk);
      chunk = duckdb_fetch_chunk(*result);
      continue;
    }
    rows += static_cast<int64_t>(size);
    if (limits.max_rows > 0 && rows > limits.max_rows) {
      duckdb_destroy_data_chunk(&chunk);
      return Status::InvalidArgument("the result has more than query.max_arrow_rows (" +
                                     std::to_string(limits.max_rows) + ") rows");
    }
    const size_t before = pending.size();
    ARC_RETURN_IF_ERROR(AppendChunk(encoder, options, chunk, &pending));
    if (pending.size() - before > limits.max_batch_bytes) {
      return Status::InvalidArgument("a record batch is larger than query.max_result_bytes (" +
                                     std::to_string(limits.max_batch_bytes) + " bytes)");
    }
    if (pending.size() >= limits.piece_bytes) {
      ARC_RETURN_IF_ERROR(send(pending));
      pending.clear();
    }
    chunk = duckdb_fetch_chunk(*result);
  }
  if (duckdb_result_error(result) != nullptr) return ResultError(result);
  pending += ArrowIpcEncoder::EndOfStream();
  return send(pending);
}

}  // namespace arc
