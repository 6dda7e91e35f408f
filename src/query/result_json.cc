#include "query/result_json.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace arc {
namespace {

void AppendString(std::string* out, std::string_view s) {
  *out += nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AppendTimestampMicros(std::string* out, int64_t us) {
  int64_t secs = us / 1000000;
  int64_t frac = us % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[48];
  std::snprintf(buf, sizeof(buf), "\"%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ\"", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(frac));
  *out += buf;
}

void AppendDouble(std::string* out, double v) {
  if (!std::isfinite(v)) {
    *out += "null";
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  *out += buf;
}

bool Supported(duckdb_type t) {
  switch (t) {
    case DUCKDB_TYPE_BOOLEAN: case DUCKDB_TYPE_TINYINT: case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER: case DUCKDB_TYPE_BIGINT: case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT: case DUCKDB_TYPE_UINTEGER: case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT: case DUCKDB_TYPE_FLOAT: case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_VARCHAR: case DUCKDB_TYPE_TIMESTAMP: case DUCKDB_TYPE_TIMESTAMP_TZ:
    case DUCKDB_TYPE_TIMESTAMP_S: case DUCKDB_TYPE_TIMESTAMP_MS: case DUCKDB_TYPE_TIMESTAMP_NS:
    case DUCKDB_TYPE_DATE: case DUCKDB_TYPE_DECIMAL:
      return true;
    default:
      return false;
  }
}

void AppendValue(std::string* out, duckdb_vector v, duckdb_type type, duckdb_logical_type lt, idx_t row) {
  void* data = duckdb_vector_get_data(v);
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN: *out += static_cast<bool*>(data)[row] ? "true" : "false"; break;
    case DUCKDB_TYPE_TINYINT: *out += std::to_string(static_cast<int8_t*>(data)[row]); break;
    case DUCKDB_TYPE_SMALLINT: *out += std::to_string(static_cast<int16_t*>(data)[row]); break;
    case DUCKDB_TYPE_INTEGER: *out += std::to_string(static_cast<int32_t*>(data)[row]); break;
    case DUCKDB_TYPE_BIGINT: *out += std::to_string(static_cast<int64_t*>(data)[row]); break;
    case DUCKDB_TYPE_UTINYINT: *out += std::to_string(static_cast<uint8_t*>(data)[row]); break;
    case DUCKDB_TYPE_USMALLINT: *out += std::to_string(static_cast<uint16_t*>(data)[row]); break;
    case DUCKDB_TYPE_UINTEGER: *out += std::to_string(static_cast<uint32_t*>(data)[row]); break;
    case DUCKDB_TYPE_UBIGINT: *out += std::to_string(static_cast<uint64_t*>(data)[row]); break;
    case DUCKDB_TYPE_HUGEINT: {
      const duckdb_hugeint h = static_cast<duckdb_hugeint*>(data)[row];
      if ((h.upper == 0 && h.lower <= static_cast<uint64_t>(INT64_MAX)) ||
          (h.upper == -1 && h.lower > static_cast<uint64_t>(INT64_MAX))) {
        *out += std::to_string(static_cast<int64_t>(h.lower));
      } else {
        AppendDouble(out, duckdb_hugeint_to_double(h));
      }
      break;
    }
    case DUCKDB_TYPE_FLOAT: AppendDouble(out, static_cast<float*>(data)[row]); break;
    case DUCKDB_TYPE_DOUBLE: AppendDouble(out, static_cast<double*>(data)[row]); break;
    case DUCKDB_TYPE_VARCHAR: {
      duckdb_string_t* s = &static_cast<duckdb_string_t*>(data)[row];
      AppendString(out, std::string_view(duckdb_string_t_data(s), duckdb_string_t_length(*s)));
      break;
    }
    case DUCKDB_TYPE_TIMESTAMP: case DUCKDB_TYPE_TIMESTAMP_TZ:
      AppendTimestampMicros(out, static_cast<int64_t*>(data)[row]);
      break;
    case DUCKDB_TYPE_TIMESTAMP_S: AppendTimestampMicros(out, static_cast<int64_t*>(data)[row] * 1000000); break;
    case DUCKDB_TYPE_TIMESTAMP_MS: AppendTimestampMicros(out, static_cast<int64_t*>(data)[row] * 1000); break;
    case DUCKDB_TYPE_TIMESTAMP_NS: AppendTimestampMicros(out, static_cast<int64_t*>(data)[row] / 1000); break;
    case DUCKDB_TYPE_DATE: {
      const duckdb_date_struct d = duckdb_from_date(static_cast<duckdb_date*>(data)[row]);
      char buf[32];
      std::snprintf(buf, sizeof(buf), "\"%04d-%02d-%02d\"", d.year, d.month, d.day);
      *out += buf;
      break;
    }
    case DUCKDB_TYPE_DECIMAL: {
      const uint8_t scale = duckdb_decimal_scale(lt);
      double raw = 0;
      switch (duckdb_decimal_internal_type(lt)) {
        case DUCKDB_TYPE_SMALLINT: raw = static_cast<int16_t*>(data)[row]; break;
        case DUCKDB_TYPE_INTEGER: raw = static_cast<int32_t*>(data)[row]; break;
        case DUCKDB_TYPE_BIGINT: raw = static_cast<double>(static_cast<int64_t*>(data)[row]); break;
        default: raw = duckdb_hugeint_to_double(static_cast<duckdb_hugeint*>(data)[row]); break;
      }
      AppendDouble(out, raw / std::pow(10.0, scale));
      break;
    }
    default: *out += "null"; break;
  }
}

}  // namespace

Result<EncodedResult> EncodeResult(duckdb_result* result, int64_t max_rows, uint64_t max_bytes) {
  EncodedResult out;
  const idx_t ncols = duckdb_column_count(result);
  std::vector<duckdb_type> types;
  std::vector<duckdb_logical_type> logical;
  for (idx_t c = 0; c < ncols; ++c) {
    out.columns.push_back(duckdb_column_name(result, c));
    types.push_back(duckdb_column_type(result, c));
    logical.push_back(duckdb_column_logical_type(result, c));
  }
  auto cleanup = [&] {
    for (auto& lt : logical) duckdb_destroy_logical_type(&lt);
  };
  for (idx_t c = 0; c < ncols; ++c) {
    if (!Supported(types[c])) {
      char* name = duckdb_logical_type_get_alias(logical[c]);
      const std::string col = out.columns[c];
      if (name != nullptr) duckdb_free(name);
      cleanup();
      return Status::InvalidArgument("result column \"" + col +
                                     "\" has a type the JSON response cannot hold; CAST it, e.g. to VARCHAR");
    }
  }
  out.data_json = "[";
  for (duckdb_data_chunk chunk = duckdb_fetch_chunk(*result); chunk != nullptr;
       chunk = duckdb_fetch_chunk(*result)) {
    const idx_t n = duckdb_data_chunk_get_size(chunk);
    std::vector<duckdb_vector> vecs;
    std::vector<uint64_t*> validity;
    for (idx_t c = 0; c < ncols; ++c) {
      vecs.push_back(duckdb_data_chunk_get_vector(chunk, c));
      validity.push_back(duckdb_vector_get_validity(vecs.back()));
    }
    for (idx_t r = 0; r < n; ++r) {
      if (out.rows > 0) out.data_json += ',';
      out.data_json += '[';
      for (idx_t c = 0; c < ncols; ++c) {
        if (c > 0) out.data_json += ',';
        if (validity[c] != nullptr && !duckdb_validity_row_is_valid(validity[c], r)) out.data_json += "null";
        else AppendValue(&out.data_json, vecs[c], types[c], logical[c], r);
      }
      out.data_json += ']';
      if (out.data_json.size() > max_bytes) {
        duckdb_destroy_data_chunk(&chunk);
        cleanup();
        return Status::InvalidArgument("result is larger than query.max_result_bytes (" +
                                       std::to_string(max_bytes) + " bytes); add a LIMIT or aggregate");
      }
      if (++out.rows > max_rows) {
        duckdb_destroy_data_chunk(&chunk);
        cleanup();
        return Status::InvalidArgument("result has more than query.max_rows (" + std::to_string(max_rows) +
                                       ") rows; add a LIMIT or aggregate");
      }
    }
    duckdb_destroy_data_chunk(&chunk);
  }
  cleanup();
  // A streaming result reports an error that happens part way (a failed cast in a later chunk)
  // by ending early: without this check the rows so far would pass for the whole answer.
  if (const char* err = duckdb_result_error(result); err != nullptr) {
    return Status::InvalidArgument(std::string("SQL error: ") + err);
  }
  out.data_json += ']';
  return out;
}

}  // namespace arc
