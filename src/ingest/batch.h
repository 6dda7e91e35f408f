// Batch: the columnar records of one measurement, as decoded from a request.
// Time is a separate int64 column of microseconds since the Unix epoch (UTC).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace arc {

enum class ColumnType : uint8_t { kInt64, kDouble, kString, kBool };

const char* ColumnTypeName(ColumnType type);

// One typed, nullable column. Null slots hold a default value so indexes stay aligned.
// Not thread-safe.
class Column {
 public:
  Column(std::string name, ColumnType type, bool is_tag);

  const std::string& name() const { return name_; }
  ColumnType type() const { return type_; }
  bool is_tag() const { return is_tag_; }
  size_t size() const { return size_; }
  bool has_nulls() const { return !valid_.empty(); }
  bool IsValid(size_t row) const { return valid_.empty() || valid_[row] != 0; }

  void AppendInt(int64_t v);
  void AppendDouble(double v);
  void AppendBool(bool v);
  void AppendString(std::string_view v);
  void AppendNulls(size_t n);
  // Bulk forms of AppendInt/AppendDouble for dense runs.
  void AppendInts(const int64_t* v, size_t n);
  void AppendDoubles(const double* v, size_t n);
  // Reserves room for `rows` values of this column's type.
  void Reserve(size_t rows);
  // Replaces the last value (a repeated key in one line protocol line: the last one wins).
  void PopBack();

  // Converts an int64 column to double in place (msgpack [2, 1.5] from JavaScript clients).
  void PromoteToDouble();

  const std::vector<int64_t>& ints() const { return ints_; }
  const std::vector<double>& doubles() const { return doubles_; }
  const std::vector<uint8_t>& bools() const { return bools_; }
  std::string_view StringAt(size_t row) const;
  // String storage: the end offset of each value in string_data() (never decreasing).
  const std::vector<uint32_t>& string_ends() const { return str_ends_; }
  const std::string& string_data() const { return str_data_; }
  const std::vector<uint8_t>& validity() const { return valid_; }
  size_t MemoryBytes() const;

  // A column's storage as the accessors above expose it; only the vectors of its type are used.
  struct Parts {
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    std::vector<uint8_t> bools;
    std::vector<uint32_t> string_ends;
    std::string string_data;
    std::vector<uint8_t> validity;  // empty (no null) or one 0/1 byte per row
  };
  // A column of `rows` values made of `parts` (taken over, no copy). InvalidArgument naming
  // the disagreement when a vector's size, an end offset, a boolean or a validity byte is
  // not what the accessors promise. For codecs that read storage back.
  static Result<Column> FromParts(std::string name, ColumnType type, bool is_tag, size_t rows,
                                  Parts parts);

 private:
  void MarkValid();

  std::string name_;
  ColumnType type_;
  bool is_tag_;
  size_t size_ = 0;
  std::vector<int64_t> ints_;
  std::vector<double> doubles_;
  std::vector<uint8_t> bools_;
  std::vector<uint32_t> str_ends_;   // end offset of each string in str_data_
  std::string str_data_;
  std::vector<uint8_t> valid_;       // empty while there is no null; else one byte per row
};

// The records of one measurement in one database. Not thread-safe.
struct Batch {
  std::string database;
  std::string measurement;
  std::vector<int64_t> time_us;
  std::vector<Column> columns;

  size_t rows() const { return time_us.size(); }
  // Index of the column named `name` (exact match) or -1. `hint` is tried first.
  int FindColumn(std::string_view name, int hint = -1) const;
  // Index of a column whose name equals `name` ignoring ASCII case, or -1.
  int FindColumnIgnoringCase(std::string_view name) const;
  // Adds a column holding nulls for every existing row; returns its index.
  int AddColumn(std::string_view name, ColumnType type, bool is_tag);
  // Ends a row at `time_us`: columns that got no value in this row get a null.
  void FinishRow(int64_t time_us);
  // Pads every column to rows() (after a columnar append of whole columns).
  void PadColumns();
  std::vector<std::string> TagNames() const;
  size_t MemoryBytes() const;
};

bool EqualsIgnoringCase(std::string_view a, std::string_view b);

}  // namespace arc
