#include "storage/parquet_file_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "storage/double_dictionary.h"
#include "storage/parquet_footer.h"
#include "storage/string_dictionary.h"
#include "storage/thrift_compact.h"

namespace arc {
namespace {

using namespace parquet;  // NOLINT: the format's enums and footer records

constexpr size_t kMaxPageBytes = 1 << 20;
constexpr size_t kMaxDictionaryEntries = 65536;
constexpr size_t kMaxDictionaryBytes = 1 << 20;
constexpr size_t kMaxStatBytes = 64;
constexpr size_t kFileBufferBytes = 1 << 20;
constexpr size_t kProbeBytes = 8 << 10;

template <typename T>
std::string LittleEndian(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));  // x86-64 and aarch64 are little-endian
  return s;
}

// One column's values over one row group: dense values of the rows that have one, and a
// validity byte per row once any row has none.
struct Gathered {
  size_t rows = 0;
  size_t nulls = 0;
  std::vector<uint8_t> valid;
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<uint8_t> bools;
  std::vector<std::string_view> strs;

  void Clear() {
    rows = nulls = 0;
    valid.clear();
    ints.clear();
    doubles.clear();
    bools.clear();
    strs.clear();
  }
  void AddNulls(size_t n) {
    if (valid.empty()) valid.assign(rows, 1);
    valid.insert(valid.end(), n, 0);
    rows += n;
    nulls += n;
  }
  void AddValid(size_t n) {
    if (!valid.empty()) valid.insert(valid.end(), n, 1);
    rows += n;
  }
};

void GatherColumn(const Column& c, size_t row, size_t n, Gathered* g) {
  if (!c.has_nulls()) {
    switch (c.type()) {
      case ColumnType::kInt64: g->ints.insert(g->ints.end(), c.ints().begin() + row, c.ints().begin() + row + n); break;
      case ColumnType::kDouble: g->doubles.insert(g->doubles.end(), c.doubles().begin() + row, c.doubles().begin() + row + n); break;
      case ColumnType::kBool: g->bools.insert(g->bools.end(), c.bools().begin() + row, c.bools().begin() + row + n); break;
      case ColumnType::kString:
        for (size_t i = row; i < row + n; ++i) g->strs.push_back(c.StringAt(i));
        break;
    }
    return g->AddValid(n);
  }
  for (size_t i = row; i < row + n; ++i) {
    if (!c.IsValid(i)) {
      g->AddNulls(1);
      continue;
    }
    switch (c.type()) {
      case ColumnType::kInt64: g->ints.push_back(c.ints()[i]); break;
      case ColumnType::kDouble: g->doubles.push_back(c.doubles()[i]); break;
      case ColumnType::kBool: g->bools.push_back(c.bools()[i]); break;
      case ColumnType::kString: g->strs.push_back(c.StringAt(i)); break;
    }
    g->AddValid(1);
  }
}

// Schema column `col` (or time, when -1) over `pieces`.
void Gather(const FlushView& view, const std::vector<RowRun>& pieces, int col, Gathered* g) {
  g->Clear();
  for (const RowRun& p : pieces) {
    const Batch& b = view.batches()[p.batch];
    if (col < 0) {
      g->ints.insert(g->ints.end(), b.time_us.begin() + p.row, b.time_us.begin() + p.row + p.len);
      g->AddValid(p.len);
      continue;
    }
    const int idx = view.column_map()[p.batch][col];
    if (idx < 0) g->AddNulls(p.len);
    else GatherColumn(b.columns[idx], p.row, p.len, g);
  }
}

// Splits the slice's runs into row groups of at most `max_rows` rows.
std::vector<std::vector<RowRun>> RowGroups(const FlushView& view, const HourSlice& slice, size_t max_rows) {
  std::vector<std::vector<RowRun>> groups(1);
  size_t in_group = 0;
  for (size_t r = slice.run_begin; r < slice.run_end; ++r) {
    RowRun run = view.runs()[r];
    while (run.len > 0) {
      if (in_group == max_rows) {
        groups.emplace_back();
        in_group = 0;
      }
      const uint32_t take = static_cast<uint32_t>(std::min<size_t>(run.len, max_rows - in_group));
      groups.back().push_back({run.batch, run.row, take});
      in_group += take;
      run.row += take;
      run.len -= take;
    }
  }
  if (groups.back().empty()) groups.pop_back();
  return groups;
}

template <typename T>
void MinMaxOf(const std::vector<T>& v, ChunkMeta* m) {
  if (v.empty()) return;
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  m->has_min_max = true;
  m->min = LittleEndian<T>(*lo);
  m->max = LittleEndian<T>(*hi);
}

// A chunk holding a NaN gets no bounds: DuckDB orders NaN above every number and trusts the
// bounds to prune and to fold comparisons, so bounds that skip a NaN would hide its row.
// A zero bound is written with the sign the format asks for.
void MinMaxOfDoubles(const std::vector<double>& v, ChunkMeta* m) {
  if (v.empty()) return;
  double lo = INFINITY, hi = -INFINITY;
  for (double d : v) {
    if (std::isnan(d)) return;
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  if (lo == 0) lo = -0.0;
  if (hi == 0) hi = 0.0;
  m->has_min_max = true;
  m->min = LittleEndian(lo);
  m->max = LittleEndian(hi);
}

// Exact bounds only: strings longer than kMaxStatBytes leave the chunk without min/max.
template <typename It>
void MinMaxOfStrings(It begin, It end, ChunkMeta* m) {
  if (begin == end) return;
  const auto [lo, hi] = std::minmax_element(begin, end);
  if (lo->size() > kMaxStatBytes || hi->size() > kMaxStatBytes) return;
  m->has_min_max = true;
  m->min = std::string(*lo);
  m->max = std::string(*hi);
}

}  // namespace

// The buffers and dictionaries a file is built with, kept by the writer from file to file.
// Built afresh per file, every buffer was allocated again and each dictionary's table grew
// from its smallest size for the first column of every flush file (DoubleDictionary::Resize:
// 3.3% of the server's CPU under MessagePack load, 1.4-1.6% kept; issue 15, eighth stop).
struct ParquetFileWriter::FileScratch {
  std::string buffer;
  Gathered gathered;
  std::string body, compressed, header, values;
  std::vector<uint32_t> levels, indices;
  StringDictionary string_dict;
  DoubleDictionary double_dict;
};

namespace {

// Builds one file: pages into a buffer flushed to the file as it fills, then the footer.
class FileBuilder {
 public:
  FileBuilder(const FlushView& view, WritableFile* file, PageCompressor* compressor,
              ParquetFileWriter::FileScratch* scratch)
      : view_(view), file_(file), compressor_(compressor), buffer_(scratch->buffer),
        g_(scratch->gathered), body_(scratch->body), compressed_(scratch->compressed),
        header_(scratch->header), values_(scratch->values), levels_(scratch->levels),
        indices_(scratch->indices), string_dict_(scratch->string_dict),
        double_dict_(scratch->double_dict) {
    buffer_.clear();
  }

  Status Build(const HourSlice& slice, size_t row_group_rows) {
    Put("PAR1");
    for (const std::vector<RowRun>& pieces : RowGroups(view_, slice, row_group_rows)) {
      RowGroupMeta rg;
      rg.offset = offset_;
      ARC_RETURN_IF_ERROR(WriteColumn(pieces, -1, ColumnType::kInt64, &rg));
      for (size_t c = 0; c < view_.schema().size(); ++c) {
        ARC_RETURN_IF_ERROR(WriteColumn(pieces, static_cast<int>(c), view_.schema()[c].type, &rg));
      }
      for (const RowRun& p : pieces) rg.rows += p.len;
      row_groups_.push_back(std::move(rg));
    }
    std::string footer = EncodeFooter(view_, row_groups_, slice.rows);
    Put(footer);
    const uint32_t len = static_cast<uint32_t>(footer.size());
    Put(LittleEndian(len));
    Put("PAR1");
    return FlushBuffer();
  }

 private:
  void Put(std::string_view bytes) {
    buffer_.append(bytes.data(), bytes.size());
    offset_ += static_cast<int64_t>(bytes.size());
  }

  Status FlushBuffer() {
    if (buffer_.empty()) return Status::OK();
    Status st = file_->Append(buffer_);
    buffer_.clear();
    return st;
  }

  Status WriteColumn(const std::vector<RowRun>& pieces, int col, ColumnType type, RowGroupMeta* rg) {
    Gather(view_, pieces, col, &g_);
    ChunkMeta m;
    m.physical = PhysicalOf(type);
    m.num_values = static_cast<int64_t>(g_.rows);
    m.null_count = static_cast<int64_t>(g_.nulls);
    optional_ = col >= 0;
    switch (type) {
      case ColumnType::kInt64: ARC_RETURN_IF_ERROR(WriteInts(&m)); MinMaxOf(g_.ints, &m); break;
      case ColumnType::kDouble: ARC_RETURN_IF_ERROR(WriteDoubles(&m)); MinMaxOfDoubles(g_.doubles, &m); break;
      case ColumnType::kBool: ARC_RETURN_IF_ERROR(WriteBools(&m)); MinMaxOf(g_.bools, &m); break;
      case ColumnType::kString: ARC_RETURN_IF_ERROR(WriteStrings(&m)); break;
    }
    rg->chunks.push_back(std::move(m));
    if (buffer_.size() >= kFileBufferBytes) return FlushBuffer();
    return Status::OK();
  }

  // Definition levels of rows [from, to) for an optional column: 4-byte length, then the
  // hybrid at bit width 1.
  void PutLevels(size_t from, size_t to, std::string* body) {
    if (!optional_) return;
    const size_t at = body->size();
    body->append(4, '\0');
    levels_.resize(to - from);
    for (size_t i = from; i < to; ++i) levels_[i - from] = g_.valid.empty() ? 1 : g_.valid[i];
    AppendRleHybrid(levels_.data(), levels_.size(), 1, body);
    const uint32_t len = static_cast<uint32_t>(body->size() - at - 4);
    std::memcpy(body->data() + at, &len, 4);
  }

  template <typename T>
  Status WriteFixed(const std::vector<T>& values, ChunkMeta* m) {
    body_.clear();
    PutLevels(0, g_.rows, &body_);
    body_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
    m->encodings = {kPlain, kRle};
    return PutPage(kDataPage, g_.rows, kPlain, m);
  }

  // Timestamps and integer fields as deltas (docs/parquet-flush.md): a steady clock costs 0
  // bits a value, where PLAIN took 8 bytes and compressing them was most of a flush's CPU.
  Status WriteInts(ChunkMeta* m) {
    body_.clear();
    PutLevels(0, g_.rows, &body_);
    AppendDeltaBinaryPacked(g_.ints.data(), g_.ints.size(), &body_);
    m->encodings = {kDeltaBinaryPacked, kRle};
    return PutPage(kDataPage, g_.rows, kDeltaBinaryPacked, m);
  }

  // Doubles that repeat (gauges with a few decimals) take a dictionary: numbering a value
  // costs less CPU than compressing its 8 bytes did, and the indices take fewer bytes.
  Status WriteDoubles(ChunkMeta* m) {
    if (!BuildDoubleDictionary()) return WriteFixed(g_.doubles, m);
    m->encodings = {kPlain, kRle, kRleDictionary};
    const std::vector<double>& dict = double_dict_.values();
    body_.assign(reinterpret_cast<const char*>(dict.data()), dict.size() * sizeof(double));
    ARC_RETURN_IF_ERROR(PutPage(kDictionaryPage, dict.size(), kPlain, m));
    return PutIndexPage(dict.size(), m);
  }

  // Numbers every value; false once the chunk has more distinct values than half its values
  // or kMaxDictionaryEntries (a dictionary would not pay; the rest is not looked at).
  bool BuildDoubleDictionary() {
    const size_t n = g_.doubles.size();
    double_dict_.Reset(std::min(kMaxDictionaryEntries, n / 2));
    indices_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      const int64_t k = double_dict_.IndexOf(g_.doubles[i]);
      if (k < 0) return false;
      indices_[i] = static_cast<uint32_t>(k);
    }
    return n > 0;
  }

  // The data page of a dictionary-encoded chunk: levels, the bit width, the indices_ hybrid.
  Status PutIndexPage(size_t dict_size, ChunkMeta* m) {
    body_.clear();
    PutLevels(0, g_.rows, &body_);
    const int width = BitWidthFor(static_cast<uint32_t>(dict_size - 1));
    body_.push_back(static_cast<char>(width));
    AppendRleHybrid(indices_.data(), indices_.size(), width, &body_);
    return PutPage(kDataPage, g_.rows, kRleDictionary, m);
  }

  Status WriteBools(ChunkMeta* m) {
    body_.clear();
    PutLevels(0, g_.rows, &body_);
    const size_t at = body_.size();
    body_.append((g_.bools.size() + 7) / 8, '\0');
    for (size_t i = 0; i < g_.bools.size(); ++i) {
      if (g_.bools[i]) body_[at + i / 8] = static_cast<char>(body_[at + i / 8] | (1 << (i % 8)));
    }
    m->encodings = {kPlain, kRle};
    return PutPage(kDataPage, g_.rows, kPlain, m);
  }

  Status WriteStrings(ChunkMeta* m) {
    if (!g_.strs.empty() && BuildDictionary()) return WriteDictionaryStrings(m);
    MinMaxOfStrings(g_.strs.begin(), g_.strs.end(), m);
    m->encodings = {kPlain, kRle};
    // Pages of about kMaxPageBytes of values (at least one row each).
    size_t row = 0, value = 0;
    do {
      const size_t first_row = row;
      size_t bytes = 0;
      body_.clear();
      values_.clear();
      while (row < g_.rows && (row == first_row || bytes < kMaxPageBytes)) {
        if (g_.valid.empty() || g_.valid[row]) {
          const std::string_view s = g_.strs[value++];
          const uint32_t len = static_cast<uint32_t>(s.size());
          values_.append(reinterpret_cast<const char*>(&len), 4);
          values_.append(s.data(), s.size());
          bytes += 4 + s.size();
        }
        ++row;
      }
      PutLevels(first_row, row, &body_);
      body_.append(values_);
      ARC_RETURN_IF_ERROR(PutPage(kDataPage, row - first_row, kPlain, m));
    } while (row < g_.rows);
    return Status::OK();
  }

  // Maps every value to a dictionary index; false when the chunk has too many distinct
  // values (or bytes) for a dictionary to pay.
  bool BuildDictionary() {
    string_dict_.Reset(kMaxDictionaryEntries, kMaxDictionaryBytes);
    indices_.resize(g_.strs.size());
    std::string_view last;
    uint32_t last_index = 0;
    for (size_t i = 0; i < g_.strs.size(); ++i) {
      const std::string_view s = g_.strs[i];
      // Tags repeat in stretches: the previous value is the most likely.
      if (i > 0 && s.size() == last.size() && s == last) {
        indices_[i] = last_index;
        continue;
      }
      const int64_t k = string_dict_.IndexOf(s);
      if (k < 0) return false;
      indices_[i] = last_index = static_cast<uint32_t>(k);
      last = s;
    }
    return true;
  }

  Status WriteDictionaryStrings(ChunkMeta* m) {
    const std::vector<std::string_view>& dict = string_dict_.values();
    MinMaxOfStrings(dict.begin(), dict.end(), m);
    m->encodings = {kPlain, kRle, kRleDictionary};
    body_.clear();
    for (const std::string_view s : dict) {
      const uint32_t len = static_cast<uint32_t>(s.size());
      body_.append(reinterpret_cast<const char*>(&len), 4);
      body_.append(s.data(), s.size());
    }
    ARC_RETURN_IF_ERROR(PutPage(kDictionaryPage, dict.size(), kPlain, m));
    return PutIndexPage(dict.size(), m);
  }

  // Whether compressing pays for a chunk whose first page is body_: a probe of its first
  // 8 KiB must shrink by a tenth. Random doubles barely compress, and compressing them was
  // the largest CPU cost of a flush; such chunks are stored uncompressed.
  Status DecideCodec(ChunkMeta* m) {
    m->codec = 0;
    if (compressor_->parquet_codec() == 0) return Status::OK();
    const std::string_view probe(body_.data(), std::min(body_.size(), kProbeBytes));
    ARC_RETURN_IF_ERROR(compressor_->Compress(probe, &compressed_));
    if (compressed_.size() * 10 <= probe.size() * 9) m->codec = compressor_->parquet_codec();
    return Status::OK();
  }

  // Compresses body_ (with the chunk's codec) and appends its page header and bytes.
  Status PutPage(PageType type, size_t num_values, Encoding encoding, ChunkMeta* m) {
    if (m->codec < 0) ARC_RETURN_IF_ERROR(DecideCodec(m));
    if (m->codec == 0) compressed_.assign(body_);
    else ARC_RETURN_IF_ERROR(compressor_->Compress(body_, &compressed_));
    header_.clear();
    ThriftWriter t(&header_);
    t.BeginStruct();
    t.I32Field(1, type);
    t.I32Field(2, static_cast<int32_t>(body_.size()));
    t.I32Field(3, static_cast<int32_t>(compressed_.size()));
    t.StructField(type == kDataPage ? 5 : 7);
    t.I32Field(1, static_cast<int32_t>(num_values));
    t.I32Field(2, encoding);
    if (type == kDataPage) {
      t.I32Field(3, kRle);  // definition levels
      t.I32Field(4, kRle);  // repetition levels (none)
    }
    t.EndStruct();
    t.EndStruct();
    if (type == kDictionaryPage) m->dictionary_page_offset = offset_;
    if (type == kDataPage && m->data_page_offset < 0) m->data_page_offset = offset_;
    Put(header_);
    Put(compressed_);
    m->uncompressed += static_cast<int64_t>(header_.size() + body_.size());
    m->compressed += static_cast<int64_t>(header_.size() + compressed_.size());
    return Status::OK();
  }

  const FlushView& view_;
  WritableFile* const file_;
  PageCompressor* const compressor_;
  std::string& buffer_;
  int64_t offset_ = 0;
  std::vector<RowGroupMeta> row_groups_;
  // Scratch, reused column after column and, through the writer's FileScratch, file after file.
  Gathered& g_;
  bool optional_ = false;
  std::string &body_, &compressed_, &header_, &values_;
  std::vector<uint32_t> &levels_, &indices_;
  StringDictionary& string_dict_;
  DoubleDictionary& double_dict_;
};

}  // namespace

ParquetFileWriter::ParquetFileWriter(FileSystem* fs, ParquetCompression compression)
    : fs_(fs), compressor_(compression), scratch_(std::make_unique<FileScratch>()) {}

ParquetFileWriter::~ParquetFileWriter() = default;

Status ParquetFileWriter::Write(const FlushView& view, const HourSlice& slice, const std::string& path,
                                size_t row_group_rows) {
  ARC_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, fs_->NewWritableFile(path, true));
  Status st;
  try {
    FileBuilder builder(view, file.get(), &compressor_, scratch_.get());
    st = builder.Build(slice, std::max<size_t>(row_group_rows, 1));
  } catch (const std::bad_alloc&) {
    // A flusher thread must not die of one huge part: the flusher retries, then splits it.
    st = Status::Unavailable("out of memory writing Parquet pages");
  }
  Status closed = file->Close();
  return st.ok() ? closed : st;
}

}  // namespace arc
