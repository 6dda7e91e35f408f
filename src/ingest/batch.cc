#include "ingest/batch.h"

#include <cctype>

namespace arc {

const char* ColumnTypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kInt64: return "integer";
    case ColumnType::kDouble: return "float";
    case ColumnType::kString: return "string";
    case ColumnType::kBool: return "boolean";
  }
  return "?";
}

Column::Column(std::string name, ColumnType type, bool is_tag)
    : name_(std::move(name)), type_(type), is_tag_(is_tag) {}

void Column::MarkValid() {
  if (!valid_.empty()) valid_.push_back(1);
  ++size_;
}

void Column::AppendInt(int64_t v) {
  ints_.push_back(v);
  MarkValid();
}

void Column::AppendDouble(double v) {
  doubles_.push_back(v);
  MarkValid();
}

void Column::AppendBool(bool v) {
  bools_.push_back(v ? 1 : 0);
  MarkValid();
}

void Column::AppendString(std::string_view v) {
  str_data_.append(v.data(), v.size());
  str_ends_.push_back(static_cast<uint32_t>(str_data_.size()));
  MarkValid();
}

void Column::AppendInts(const int64_t* v, size_t n) {
  ints_.insert(ints_.end(), v, v + n);
  if (!valid_.empty()) valid_.insert(valid_.end(), n, 1);
  size_ += n;
}

void Column::AppendDoubles(const double* v, size_t n) {
  doubles_.insert(doubles_.end(), v, v + n);
  if (!valid_.empty()) valid_.insert(valid_.end(), n, 1);
  size_ += n;
}

void Column::AppendNulls(size_t n) {
  if (n == 0) return;
  if (valid_.empty()) valid_.assign(size_, 1);
  valid_.insert(valid_.end(), n, 0);
  switch (type_) {
    case ColumnType::kInt64: ints_.insert(ints_.end(), n, 0); break;
    case ColumnType::kDouble: doubles_.insert(doubles_.end(), n, 0.0); break;
    case ColumnType::kBool: bools_.insert(bools_.end(), n, 0); break;
    case ColumnType::kString:
      str_ends_.insert(str_ends_.end(), n, static_cast<uint32_t>(str_data_.size()));
      break;
  }
  size_ += n;
}

void Column::Reserve(size_t rows) {
  switch (type_) {
    case ColumnType::kInt64: ints_.reserve(rows); break;
    case ColumnType::kDouble: doubles_.reserve(rows); break;
    case ColumnType::kBool: bools_.reserve(rows); break;
    case ColumnType::kString: str_ends_.reserve(rows); break;
  }
}

void Column::PopBack() {
  if (size_ == 0) return;
  switch (type_) {
    case ColumnType::kInt64: ints_.pop_back(); break;
    case ColumnType::kDouble: doubles_.pop_back(); break;
    case ColumnType::kBool: bools_.pop_back(); break;
    case ColumnType::kString:
      str_ends_.pop_back();
      str_data_.resize(str_ends_.empty() ? 0 : str_ends_.back());
      break;
  }
  if (!valid_.empty()) valid_.pop_back();
  --size_;
}

void Column::PromoteToDouble() {
  if (type_ != ColumnType::kInt64) return;
  doubles_.reserve(ints_.size());
  for (int64_t v : ints_) doubles_.push_back(static_cast<double>(v));
  ints_.clear();
  ints_.shrink_to_fit();
  type_ = ColumnType::kDouble;
}

std::string_view Column::StringAt(size_t row) const {
  const uint32_t begin = row == 0 ? 0 : str_ends_[row - 1];
  return std::string_view(str_data_).substr(begin, str_ends_[row] - begin);
}

namespace {

bool AllZeroOrOne(const std::vector<uint8_t>& v) {
  for (uint8_t b : v) {
    if (b > 1) return false;
  }
  return true;
}

// The size the vector of `type` must have; every other vector must be empty.
Status CheckPartSizes(ColumnType type, size_t rows, const Column::Parts& p) {
  const size_t want_ints = type == ColumnType::kInt64 ? rows : 0;
  const size_t want_doubles = type == ColumnType::kDouble ? rows : 0;
  const size_t want_bools = type == ColumnType::kBool ? rows : 0;
  const size_t want_ends = type == ColumnType::kString ? rows : 0;
  if (p.ints.size() != want_ints || p.doubles.size() != want_doubles ||
      p.bools.size() != want_bools || p.string_ends.size() != want_ends) {
    return Status::InvalidArgument("column values do not match its type and row count");
  }
  if (!p.validity.empty() && p.validity.size() != rows) {
    return Status::InvalidArgument("column validity does not match its row count");
  }
  return Status::OK();
}

Status CheckStrings(const Column::Parts& p) {
  uint32_t last = 0;
  for (uint32_t end : p.string_ends) {
    if (end < last) return Status::InvalidArgument("column string ends decrease");
    last = end;
  }
  if (last != p.string_data.size()) {
    return Status::InvalidArgument("column string ends do not match its string bytes");
  }
  return Status::OK();
}

}  // namespace

Result<Column> Column::FromParts(std::string name, ColumnType type, bool is_tag, size_t rows,
                                 Parts parts) {
  ARC_RETURN_IF_ERROR(CheckPartSizes(type, rows, parts));
  ARC_RETURN_IF_ERROR(CheckStrings(parts));
  if (!AllZeroOrOne(parts.bools)) return Status::InvalidArgument("boolean value other than 0 or 1");
  if (!AllZeroOrOne(parts.validity)) return Status::InvalidArgument("validity byte other than 0 or 1");
  Column c(std::move(name), type, is_tag);
  c.size_ = rows;
  c.ints_ = std::move(parts.ints);
  c.doubles_ = std::move(parts.doubles);
  c.bools_ = std::move(parts.bools);
  c.str_ends_ = std::move(parts.string_ends);
  c.str_data_ = std::move(parts.string_data);
  c.valid_ = std::move(parts.validity);
  return c;
}

size_t Column::MemoryBytes() const {
  return ints_.capacity() * 8 + doubles_.capacity() * 8 + bools_.capacity() +
         str_ends_.capacity() * 4 + str_data_.capacity() + valid_.capacity() + name_.size() + 64;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

int Batch::FindColumn(std::string_view name, int hint) const {
  const int n = static_cast<int>(columns.size());
  if (hint >= 0 && hint < n && columns[hint].name() == name) return hint;
  for (int i = 0; i < n; ++i) {
    if (columns[i].name() == name) return i;
  }
  return -1;
}

int Batch::FindColumnIgnoringCase(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (EqualsIgnoringCase(columns[i].name(), name)) return static_cast<int>(i);
  }
  return -1;
}

int Batch::AddColumn(std::string_view name, ColumnType type, bool is_tag) {
  columns.emplace_back(std::string(name), type, is_tag);
  columns.back().AppendNulls(rows());
  return static_cast<int>(columns.size()) - 1;
}

void Batch::FinishRow(int64_t t) {
  time_us.push_back(t);
  PadColumns();
}

void Batch::PadColumns() {
  const size_t n = rows();
  for (Column& c : columns) {
    if (c.size() < n) c.AppendNulls(n - c.size());
  }
}

std::vector<std::string> Batch::TagNames() const {
  std::vector<std::string> out;
  for (const Column& c : columns) {
    if (c.is_tag()) out.push_back(c.name());
  }
  return out;
}

size_t Batch::MemoryBytes() const {
  size_t total = time_us.capacity() * 8 + 128;
  for (const Column& c : columns) total += c.MemoryBytes();
  return total;
}

}  // namespace arc
