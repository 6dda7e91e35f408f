#include "storage/parquet_writer.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>

namespace arc {
namespace {

constexpr int64_t kMicrosPerHour = 3600LL * 1000000LL;

struct SchemaColumn {
  std::string name;
  ColumnType type;
  bool is_tag;
};

// The union of the batches' columns (first spelling wins; names match ignoring case).
std::vector<SchemaColumn> UnionSchema(const FlushJob& job) {
  std::vector<SchemaColumn> out;
  for (const Batch& b : job.batches) {
    for (const Column& c : b.columns) {
      auto it = std::find_if(out.begin(), out.end(),
                             [&](const SchemaColumn& s) { return EqualsIgnoringCase(s.name, c.name()); });
      if (it == out.end()) out.push_back({c.name(), c.type(), c.is_tag()});
    }
  }
  return out;
}

const char* SqlType(ColumnType t) {
  switch (t) {
    case ColumnType::kInt64: return "BIGINT";
    case ColumnType::kDouble: return "DOUBLE";
    case ColumnType::kString: return "VARCHAR";
    case ColumnType::kBool: return "BOOLEAN";
  }
  return "VARCHAR";
}

duckdb_type DuckType(ColumnType t) {
  switch (t) {
    case ColumnType::kInt64: return DUCKDB_TYPE_BIGINT;
    case ColumnType::kDouble: return DUCKDB_TYPE_DOUBLE;
    case ColumnType::kString: return DUCKDB_TYPE_VARCHAR;
    case ColumnType::kBool: return DUCKDB_TYPE_BOOLEAN;
  }
  return DUCKDB_TYPE_VARCHAR;
}

// Owns the logical types and one reusable data chunk of the flush table's shape.
class ChunkBuilder {
 public:
  explicit ChunkBuilder(const std::vector<SchemaColumn>& schema) {
    types_.push_back(duckdb_create_logical_type(DUCKDB_TYPE_TIMESTAMP_TZ));
    for (const SchemaColumn& c : schema) types_.push_back(duckdb_create_logical_type(DuckType(c.type)));
    chunk_ = duckdb_create_data_chunk(types_.data(), types_.size());
  }
  ~ChunkBuilder() {
    duckdb_destroy_data_chunk(&chunk_);
    for (duckdb_logical_type& t : types_) duckdb_destroy_logical_type(&t);
  }
  ChunkBuilder(const ChunkBuilder&) = delete;
  ChunkBuilder& operator=(const ChunkBuilder&) = delete;

  // Fills rows [begin, begin+n) of `batch`; `map[i]` is the batch column of schema column i.
  duckdb_data_chunk Fill(const Batch& batch, const std::vector<int>& map, size_t begin, size_t n) {
    duckdb_data_chunk_reset(chunk_);
    duckdb_vector tv = duckdb_data_chunk_get_vector(chunk_, 0);
    std::memcpy(duckdb_vector_get_data(tv), batch.time_us.data() + begin, n * 8);
    for (size_t i = 0; i < map.size(); ++i) {
      duckdb_vector v = duckdb_data_chunk_get_vector(chunk_, i + 1);
      if (map[i] < 0) {
        duckdb_vector_ensure_validity_writable(v);
        uint64_t* validity = duckdb_vector_get_validity(v);
        for (size_t r = 0; r < n; ++r) duckdb_validity_set_row_invalid(validity, r);
        continue;
      }
      FillColumn(batch.columns[map[i]], v, begin, n);
    }
    duckdb_data_chunk_set_size(chunk_, n);
    return chunk_;
  }

 private:
  static void FillColumn(const Column& c, duckdb_vector v, size_t begin, size_t n) {
    void* data = duckdb_vector_get_data(v);
    switch (c.type()) {
      case ColumnType::kInt64: std::memcpy(data, c.ints().data() + begin, n * 8); break;
      case ColumnType::kDouble: std::memcpy(data, c.doubles().data() + begin, n * 8); break;
      case ColumnType::kBool: std::memcpy(data, c.bools().data() + begin, n); break;
      case ColumnType::kString:
        for (size_t r = 0; r < n; ++r) {
          if (!c.IsValid(begin + r)) continue;
          const std::string_view s = c.StringAt(begin + r);
          duckdb_vector_assign_string_element_len(v, r, s.data(), s.size());
        }
        break;
    }
    if (!c.has_nulls()) return;
    duckdb_vector_ensure_validity_writable(v);
    uint64_t* validity = duckdb_vector_get_validity(v);
    for (size_t r = 0; r < n; ++r) {
      if (!c.IsValid(begin + r)) duckdb_validity_set_row_invalid(validity, r);
    }
  }

  std::vector<duckdb_logical_type> types_;
  duckdb_data_chunk chunk_;
};

std::string CompressionName(const std::string& c) { return c == "none" ? "uncompressed" : c; }

}  // namespace

int64_t HourOf(int64_t time_us) {
  return time_us >= 0 ? time_us / kMicrosPerHour : -((-time_us + kMicrosPerHour - 1) / kMicrosPerHour);
}

std::string HourDirectory(const std::string& db, const std::string& measurement, int64_t hour) {
  const std::time_t secs = static_cast<std::time_t>(hour * 3600);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d/%02d/%02d/%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour);
  return db + "/" + measurement + "/" + buf;
}

Result<std::unique_ptr<ParquetWriter>> ParquetWriter::Create(const DuckDatabase& db,
                                                              Storage* storage,
                                                              std::string compression) {
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<DuckConnection> conn, DuckConnection::Open(db));
  return std::make_unique<ParquetWriter>(std::move(conn), storage, std::move(compression));
}

ParquetWriter::ParquetWriter(std::unique_ptr<DuckConnection> conn, Storage* storage,
                             std::string compression)
    : conn_(std::move(conn)), storage_(storage), compression_(std::move(compression)) {}

Status ParquetWriter::LoadTable(const std::string& table, const FlushJob& job) {
  const std::vector<SchemaColumn> schema = UnionSchema(job);
  std::string ddl = "CREATE TEMP TABLE " + table + " (\"time\" TIMESTAMPTZ";
  for (const SchemaColumn& c : schema) ddl += ", " + QuoteIdentifier(c.name) + " " + SqlType(c.type);
  ARC_RETURN_IF_ERROR(conn_->Execute(ddl + ")"));
  duckdb_appender appender = nullptr;
  if (duckdb_appender_create(conn_->handle(), nullptr, table.c_str(), &appender) != DuckDBSuccess) {
    std::string err = duckdb_appender_error(appender) ? duckdb_appender_error(appender) : "";
    duckdb_appender_destroy(&appender);
    return Status::Internal("duckdb appender: " + err);
  }
  Status status;
  {
    ChunkBuilder chunk(schema);
    const size_t chunk_rows = duckdb_vector_size();
    for (const Batch& b : job.batches) {
      std::vector<int> map;
      for (const SchemaColumn& s : schema) {
        int idx = b.FindColumn(s.name);
        map.push_back(idx >= 0 ? idx : b.FindColumnIgnoringCase(s.name));
      }
      for (size_t begin = 0; begin < b.rows() && status.ok(); begin += chunk_rows) {
        const size_t n = std::min(chunk_rows, b.rows() - begin);
        duckdb_data_chunk c = chunk.Fill(b, map, begin, n);
        if (duckdb_append_data_chunk(appender, c) != DuckDBSuccess) {
          status = Status::Internal(std::string("duckdb append: ") + duckdb_appender_error(appender));
        }
      }
    }
  }
  if (duckdb_appender_destroy(&appender) != DuckDBSuccess && status.ok()) {
    status = Status::Internal("duckdb appender flush failed");
  }
  return status;
}

Status ParquetWriter::CopyHour(const std::string& table, const FlushJob& job, int64_t hour,
                               bool whole_table, WrittenFile* out) {
  std::string tags;
  for (const Batch& b : job.batches) {
    for (const std::string& t : b.TagNames()) {
      if (("," + tags + ",").find("," + t + ",") == std::string::npos) {
        tags += (tags.empty() ? "" : ",") + t;
      }
    }
  }
  const std::string temp = storage_->NewTempPath();
  std::string select = "SELECT * FROM " + table;
  if (!whole_table) {
    select += " WHERE epoch_us(\"time\") >= " + std::to_string(hour * kMicrosPerHour) +
              " AND epoch_us(\"time\") < " + std::to_string((hour + 1) * kMicrosPerHour);
  }
  const std::string sql = "COPY (" + select + " ORDER BY \"time\") TO " + QuoteLiteral(temp) +
                          " (FORMAT parquet, COMPRESSION " + CompressionName(compression_) +
                          ", KV_METADATA {'arc:tags': " + QuoteLiteral(tags) + "})";
  Status st = conn_->Execute(sql);
  if (st.ok()) {
    out->relative_path = HourDirectory(job.database, job.measurement, hour) + "/" + job.file_stem +
                         ".parquet";
    st = storage_->Commit(temp, out->relative_path);
  }
  if (!st.ok()) storage_->Discard(temp);
  return st;
}

Result<std::vector<WrittenFile>> ParquetWriter::Write(const FlushJob& job) {
  std::map<int64_t, size_t> hours;  // hour → rows
  int64_t last_hour = 0;
  size_t run = 0;
  for (const Batch& b : job.batches) {
    for (int64_t t : b.time_us) {
      const int64_t h = HourOf(t);
      if (run > 0 && h != last_hour) {
        hours[last_hour] += run;
        run = 0;
      }
      last_hour = h;
      ++run;
    }
  }
  if (run > 0) hours[last_hour] += run;
  if (hours.empty()) return std::vector<WrittenFile>{};
  const std::string table = "arc_flush_" + std::to_string(table_counter_++);
  Status st = LoadTable(table, job);
  std::vector<WrittenFile> files;
  for (auto it = hours.begin(); st.ok() && it != hours.end(); ++it) {
    WrittenFile f;
    f.rows = it->second;
    st = CopyHour(table, job, it->first, hours.size() == 1, &f);
    if (st.ok()) files.push_back(f);
  }
  Status drop = conn_->Execute("DROP TABLE IF EXISTS " + table);
  if (!st.ok()) return st;
  if (!drop.ok()) return drop;
  return files;
}

}  // namespace arc
