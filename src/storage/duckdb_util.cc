#include "storage/duckdb_util.h"

namespace arc {

Result<std::unique_ptr<DuckDatabase>> DuckDatabase::OpenInMemory() { return OpenInMemory({}); }

Result<std::unique_ptr<DuckDatabase>> DuckDatabase::OpenInMemory(
    const std::vector<std::pair<std::string, std::string>>& options) {
  auto db = std::make_unique<DuckDatabase>();
  char* error = nullptr;
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) return Status::Internal("duckdb config");
  for (const auto& [k, v] : options) {
    if (duckdb_set_config(config, k.c_str(), v.c_str()) != DuckDBSuccess) {
      duckdb_destroy_config(&config);
      return Status::InvalidArgument("duckdb option " + k + " = " + v + " is invalid");
    }
  }
  const duckdb_state st = duckdb_open_ext(nullptr, &db->db_, config, &error);
  duckdb_destroy_config(&config);
  if (st != DuckDBSuccess) {
    std::string msg = error ? error : "unknown error";
    duckdb_free(error);
    return Status::Internal("duckdb open: " + msg);
  }
  return db;
}

DuckDatabase::~DuckDatabase() {
  if (db_ != nullptr) duckdb_close(&db_);
}

Result<std::unique_ptr<DuckConnection>> DuckConnection::Open(const DuckDatabase& db, bool set_utc) {
  auto c = std::make_unique<DuckConnection>();
  if (duckdb_connect(db.handle(), &c->conn_) != DuckDBSuccess) {
    return Status::Internal("duckdb connect failed");
  }
  if (set_utc) ARC_RETURN_IF_ERROR(c->Execute("SET TimeZone = 'UTC'"));
  return c;
}

DuckConnection::~DuckConnection() {
  if (conn_ != nullptr) duckdb_disconnect(&conn_);
}

Status DuckConnection::Execute(const std::string& sql) {
  duckdb_result result;
  const duckdb_state st = duckdb_query(conn_, sql.c_str(), &result);
  Status out = Status::OK();
  if (st != DuckDBSuccess) {
    const char* err = duckdb_result_error(&result);
    const duckdb_error_type type = duckdb_result_error_type(&result);
    last_error_invalidates_ = DuckErrorInvalidates(type);
    out = StatusFromDuckError(type, std::string("duckdb: ") + (err ? err : "query failed"));
  }
  duckdb_destroy_result(&result);
  return out;
}

Result<DuckRows> QueryRows(DuckConnection* conn, const std::string& sql) {
  duckdb_result r;
  if (duckdb_query(conn->handle(), sql.c_str(), &r) != DuckDBSuccess) {
    Status st =
        StatusFromDuckError(duckdb_result_error_type(&r), StripStackTrace(duckdb_result_error(&r)));
    duckdb_destroy_result(&r);
    return st;
  }
  DuckRows out;
  const idx_t rows = duckdb_row_count(&r);
  const idx_t cols = duckdb_column_count(&r);
  out.reserve(rows);
  for (idx_t i = 0; i < rows; ++i) {
    std::vector<std::string> row;
    for (idx_t c = 0; c < cols; ++c) {
      char* v = duckdb_value_varchar(&r, c, i);
      row.emplace_back(v != nullptr ? v : "");
      duckdb_free(v);
    }
    out.push_back(std::move(row));
  }
  duckdb_destroy_result(&r);
  return out;
}

std::string StripStackTrace(std::string message) {
  for (const char* marker : {"\n\nStack Trace", "\nStack Trace"}) {
    const size_t at = message.find(marker);
    if (at != std::string::npos) message.resize(at);
  }
  return message;
}

bool DuckErrorInvalidates(duckdb_error_type type) {
  return type == DUCKDB_ERROR_INTERNAL || type == DUCKDB_ERROR_FATAL;
}

Status StatusFromDuckError(duckdb_error_type type, const std::string& message) {
  std::string text = StripStackTrace(message);
  switch (type) {
    case DUCKDB_ERROR_IO:
    case DUCKDB_ERROR_NETWORK:
    case DUCKDB_ERROR_HTTP:
      return Status::IOError(std::move(text));
    case DUCKDB_ERROR_OUT_OF_MEMORY:
    case DUCKDB_ERROR_INTERRUPT:
    case DUCKDB_ERROR_FATAL:
      return Status::Unavailable(std::move(text));
    case DUCKDB_ERROR_INTERNAL:
      return Status::Internal(std::move(text));
    default:
      return Status::InvalidArgument(std::move(text));
  }
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string QuoteLiteral(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string QuoteList(const std::vector<std::string>& texts) {
  std::string out = "[";
  for (size_t i = 0; i < texts.size(); ++i) out += (i ? ", " : "") + QuoteLiteral(texts[i]);
  return out + "]";
}

}  // namespace arc
