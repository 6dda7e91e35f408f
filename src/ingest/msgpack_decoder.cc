#include "ingest/msgpack_decoder.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "ingest/msgpack_reader.h"
#include "ingest/time_units.h"
#include "ingest/validate.h"

namespace arc {
namespace {

// Where the values of an item's known keys start, so they can be read in any key order.
struct ItemKeys {
  const uint8_t* m = nullptr;
  const uint8_t* columns = nullptr;
  const uint8_t* tags = nullptr;
  const uint8_t* time = nullptr;
  const uint8_t* fields = nullptr;
  const uint8_t* batch = nullptr;
  const uint8_t* time_unit = nullptr;
  // "columns" was the item's last key and was not skipped: decoding it ends the item.
  bool columns_last = false;
};

std::string Quote(std::string_view s) { return "\"" + std::string(s.substr(0, 128)) + "\""; }

ColumnType TypeOf(const MsgValue& v) {
  switch (v.type) {
    case MsgType::kInt: return ColumnType::kInt64;
    case MsgType::kFloat: return ColumnType::kDouble;
    case MsgType::kBool: return ColumnType::kBool;
    default: return ColumnType::kString;
  }
}

class Decoder {
 public:
  Decoder(std::string_view body, int64_t now_us, BatchSet* out)
      : r_(body), now_us_(now_us), out_(out) {}

  Status Run() {
    if (r_.AtEnd()) return Status::InvalidArgument("empty MessagePack body");
    MsgValue top;
    ARC_RETURN_IF_ERROR(r_.Next(&top));
    if (top.type == MsgType::kMap) {
      ARC_RETURN_IF_ERROR(DecodeItem(top.length, true));
    } else if (top.type == MsgType::kArray) {
      ARC_RETURN_IF_ERROR(DecodeItems(top.length));
    } else {
      return Status::InvalidArgument("top level must be a map or an array, got " +
                                     std::string(MsgTypeName(top.type)));
    }
    if (!r_.AtEnd()) return Status::InvalidArgument("trailing bytes after the MessagePack document");
    return Status::OK();
  }

 private:
  Status DecodeItems(uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) {
      MsgValue v;
      ARC_RETURN_IF_ERROR(r_.Next(&v));
      if (v.type != MsgType::kMap) {
        return ItemError("must be a map, got " + std::string(MsgTypeName(v.type)));
      }
      ARC_RETURN_IF_ERROR(DecodeItem(v.length, false));
    }
    return Status::OK();
  }

  Status ItemError(const std::string& why) const {
    return Status::InvalidArgument("item " + std::to_string(item_) + ": " + why);
  }

  Status ScanKeys(uint32_t n, ItemKeys* keys) {
    for (uint32_t i = 0; i < n; ++i) {
      MsgValue k;
      ARC_RETURN_IF_ERROR(r_.Next(&k));
      if (k.type != MsgType::kString) return ItemError("map keys must be strings");
      const uint8_t* pos = r_.position();
      if (k.str == "m" || k.str == "measurement") keys->m = pos;
      else if (k.str == "columns") {
        keys->columns = pos;
        // The columns are nearly the whole body: when nothing follows them (clients write
        // them last), decoding reads them once instead of skipping them first.
        if (i + 1 == n && keys->batch == nullptr) {
          keys->columns_last = true;
          return Status::OK();
        }
      }
      else if (k.str == "tags") keys->tags = pos;
      else if (k.str == "t" || k.str == "time") keys->time = pos;
      else if (k.str == "fields") keys->fields = pos;
      else if (k.str == "batch") keys->batch = pos;
      else if (k.str == "time_unit") keys->time_unit = pos;
      ARC_RETURN_IF_ERROR(r_.Skip());
    }
    return Status::OK();
  }

  Status DecodeItem(uint32_t n, bool top_level) {
    ItemKeys keys;
    ARC_RETURN_IF_ERROR(ScanKeys(n, &keys));
    const uint8_t* after = keys.columns_last ? nullptr : r_.position();
    if (keys.batch != nullptr && top_level) {
      r_.Seek(keys.batch);
      MsgValue v;
      ARC_RETURN_IF_ERROR(r_.Next(&v));
      if (v.type != MsgType::kArray) return Status::InvalidArgument("\"batch\" must be an array");
      ARC_RETURN_IF_ERROR(DecodeItems(v.length));
      r_.Seek(after);
      return Status::OK();
    }
    ++item_;
    if (keys.m == nullptr) return ItemError("missing measurement \"m\"");
    r_.Seek(keys.m);
    MsgValue m;
    ARC_RETURN_IF_ERROR(r_.Next(&m));
    if (m.type != MsgType::kString) return ItemError("\"m\" must be a string");
    Status st = out_->GetOrCreate(m.str, &batch_);
    if (!st.ok()) return ItemError(st.message());
    ARC_RETURN_IF_ERROR(ReadTimeUnit(keys.time_unit));
    if (keys.columns != nullptr) {
      ARC_RETURN_IF_ERROR(DecodeColumnar(keys));
    } else if (keys.fields != nullptr) {
      ARC_RETURN_IF_ERROR(DecodeRow(keys));
    } else {
      return ItemError("has neither \"columns\" (columnar) nor \"fields\" (row)");
    }
    if (after != nullptr) r_.Seek(after);  // else DecodeColumnar ended where the item ends
    return Status::OK();
  }

  // Optional "time_unit": "s" | "ms" | "us" | "ns" replaces detection by magnitude.
  Status ReadTimeUnit(const uint8_t* pos) {
    unit_.reset();
    if (pos == nullptr) return Status::OK();
    r_.Seek(pos);
    MsgValue v;
    ARC_RETURN_IF_ERROR(r_.Next(&v));
    if (v.type != MsgType::kString || !(v.str == "s" || v.str == "ms" || v.str == "us" || v.str == "ns")) {
      return ItemError("\"time_unit\" must be \"s\", \"ms\", \"us\" or \"ns\"");
    }
    Result<Precision> p = ParsePrecision(v.str);
    unit_ = *p;
    return Status::OK();
  }

  // ---- columnar ----

  Status ReadTagNames(const uint8_t* pos, std::vector<std::string_view>* names) {
    if (pos == nullptr) return Status::OK();
    r_.Seek(pos);
    MsgValue v;
    ARC_RETURN_IF_ERROR(r_.Next(&v));
    if (v.type != MsgType::kArray) return ItemError("\"tags\" must be an array of column names");
    for (uint32_t i = 0; i < v.length; ++i) {
      MsgValue s;
      ARC_RETURN_IF_ERROR(r_.Next(&s));
      if (s.type != MsgType::kString) return ItemError("\"tags\" must hold strings");
      names->push_back(s.str);
    }
    return Status::OK();
  }

  // One pass over "columns": each array is decoded where it stands; every array must have
  // the length of the first one.
  Status DecodeColumnar(const ItemKeys& keys) {
    std::vector<std::string_view> tag_names;
    ARC_RETURN_IF_ERROR(ReadTagNames(keys.tags, &tag_names));
    r_.Seek(keys.columns);
    MsgValue cols;
    ARC_RETURN_IF_ERROR(r_.Next(&cols));
    if (cols.type != MsgType::kMap) return ItemError("\"columns\" must be a map");
    if (cols.length == 0) return ItemError("\"columns\" is empty");
    const size_t base = batch_->rows();
    std::vector<int64_t> times;
    std::string_view first_name;
    uint32_t n = 0;
    bool has_field = false;
    for (uint32_t i = 0; i < cols.length; ++i) {
      MsgValue k, arr;
      ARC_RETURN_IF_ERROR(r_.Next(&k));
      if (k.type != MsgType::kString) return ItemError("column names must be strings");
      ARC_RETURN_IF_ERROR(r_.Next(&arr));
      if (arr.type != MsgType::kArray) {
        return ItemError("column " + Quote(k.str) + " must be an array, got " +
                         MsgTypeName(arr.type));
      }
      if (i == 0) {
        first_name = k.str;
        n = arr.length;
        if (n == 0) return ItemError("columns hold no rows");
        // Every value takes at least a byte: a count beyond the body is a lie, refused before
        // anything is sized by it (a 20-byte body must not reserve 32 GB).
        if (n > r_.Remaining()) {
          return ItemError("column " + Quote(k.str) + " claims " + std::to_string(n) +
                           " values but the body ends first");
        }
      } else if (arr.length != n) {
        return ItemError("column " + Quote(k.str) + " has " + std::to_string(arr.length) +
                         " values but column " + Quote(first_name) + " has " + std::to_string(n));
      }
      if (k.str == "time") {
        times.assign(n, now_us_);
        ARC_RETURN_IF_ERROR(ReadTimes(n, &times));
        continue;
      }
      const bool is_tag = std::find(tag_names.begin(), tag_names.end(), k.str) != tag_names.end();
      has_field |= !is_tag;
      ARC_RETURN_IF_ERROR(ReadColumn(k.str, n, is_tag, base));
    }
    if (!has_field) return ItemError("has no field columns (only time and tags)");
    if (times.empty()) times.assign(n, now_us_);
    batch_->time_us.insert(batch_->time_us.end(), times.begin(), times.end());
    batch_->PadColumns();
    return Status::OK();
  }

  Status ReadTimes(uint32_t n, std::vector<int64_t>* times) {
    for (uint32_t j = 0; j < n; ++j) {
      // A dense run of integers is read in bulk and converted in place; any other value
      // (nil, a float) is read on its own.
      const size_t run = r_.ReadIntRun(times->data() + j, n - j);
      MsgValue v;
      for (const size_t end = j + run; j < end; ++j) {
        v.type = MsgType::kInt;
        v.i = (*times)[j];
        ARC_RETURN_IF_ERROR(TimeAt(v, j, &(*times)[j]));
      }
      if (j == n) break;
      ARC_RETURN_IF_ERROR(r_.Next(&v));
      ARC_RETURN_IF_ERROR(TimeAt(v, j, &(*times)[j]));
    }
    return Status::OK();
  }

  Status TimeAt(const MsgValue& v, uint32_t row, int64_t* out) {
    Status st = TimeFromValue(v, out);
    if (st.ok()) return st;
    return ItemError("column \"time\" row " + std::to_string(row) + ": " + st.message());
  }

  Status TimeFromValue(const MsgValue& v, int64_t* out) {
    if (v.type == MsgType::kNil) {
      *out = now_us_;
      return Status::OK();
    }
    if (v.type == MsgType::kUint) {
      return Status::InvalidArgument("timestamp " + std::to_string(v.u) + " is out of range");
    }
    if (v.type != MsgType::kInt && v.type != MsgType::kFloat) {
      return Status::InvalidArgument(std::string("time must be a number, got ") + MsgTypeName(v.type));
    }
    if (unit_ && v.type == MsgType::kInt) {
      ARC_ASSIGN_OR_RETURN(*out, ToMicros(v.i, *unit_));
      return ValidateTime(*out);
    }
    // The unit is guessed from the magnitude, which says nothing for a negative number
    // (-5000 could be seconds or milliseconds): those need an explicit time_unit.
    if (!unit_ && (v.type == MsgType::kInt ? v.i < 0 : v.d < 0)) {
      return Status::InvalidArgument("negative timestamp: its unit cannot be told from its "
                                     "magnitude; give \"time_unit\" (\"s\", \"ms\", \"us\" or \"ns\")");
    }
    Result<int64_t> t = v.type == MsgType::kInt ? MicrosFromMagnitude(v.i) : MicrosFromMagnitude(v.d);
    if (!t.ok()) return t.status();
    *out = *t;
    return ValidateTime(*out);
  }

  // Finds or creates column `name` for a value of `type`, promoting int64 to double when a
  // float meets an integer column. nullptr plus an error on any other conflict.
  Result<Column*> ColumnFor(std::string_view name, ColumnType type, bool is_tag) {
    int idx = batch_->FindColumn(name);
    if (idx < 0) {
      if (batch_->FindColumnIgnoringCase(name) >= 0) {
        return Status::InvalidArgument("column " + Quote(name) +
                                       " differs only in case from another column");
      }
      idx = batch_->AddColumn(name, type, is_tag);
    }
    Column* col = &batch_->columns[idx];
    if (col->type() == ColumnType::kInt64 && type == ColumnType::kDouble) col->PromoteToDouble();
    if (col->type() == type || (col->type() == ColumnType::kDouble && type == ColumnType::kInt64)) {
      return col;
    }
    return Status::InvalidArgument("column " + Quote(name) + " is " + ColumnTypeName(col->type()) +
                                   ", got " + ColumnTypeName(type));
  }

  Status CheckColumnName(std::string_view name) {
    Status st = ValidateColumnName(name);
    return st.ok() ? st : ItemError(st.message());
  }

  Status ReadColumn(std::string_view name, uint32_t n, bool is_tag, size_t base) {
    ARC_RETURN_IF_ERROR(CheckColumnName(name));
    Column* col = nullptr;
    for (uint32_t j = 0; j < n; ++j) {
      if (col != nullptr && (j += AppendRun(col, n - j, is_tag)) == n) break;
      MsgValue v;
      ARC_RETURN_IF_ERROR(r_.Next(&v));
      if (v.type == MsgType::kNil) {
        if (col != nullptr) col->AppendNulls(1);
        continue;
      }
      Status st = CheckScalar(v);
      if (st.ok() && (col == nullptr || col->type() != TypeOf(v))) {
        const bool first = col == nullptr;
        Result<Column*> c = ColumnFor(name, TypeOf(v), is_tag);
        st = c.status();
        if (c.ok()) col = *c;
        if (c.ok() && first && col->size() > base + j) {
          return ItemError("column " + Quote(name) + " appears twice");
        }
        if (c.ok() && first) col->Reserve(base + n);
        if (c.ok() && col->size() < base + j) col->AppendNulls(base + j - col->size());
      }
      if (st.ok()) st = CheckString(v, is_tag);
      if (!st.ok()) {
        return ItemError("column " + Quote(name) + " row " + std::to_string(j) + ": " + st.message());
      }
      AppendValue(col, v);
    }
    return Status::OK();
  }

  // Appends the dense run of values of `col`'s own type that follows (the reader's bulk
  // reads) and returns how many rows it consumed, at most `left`. A value it does not take
  // (nil, another type, a string failing validation) is left for the per-value path.
  size_t AppendRun(Column* col, size_t left, bool is_tag) {
    constexpr size_t kChunk = 256;
    size_t done = 0;
    while (done < left) {
      const size_t want = std::min(kChunk, left - done);
      size_t got = 0;
      if (col->type() == ColumnType::kDouble) {
        double buf[kChunk];
        got = r_.ReadFloat64Run(buf, want);
        col->AppendDoubles(buf, got);
      } else if (col->type() == ColumnType::kInt64) {
        int64_t buf[kChunk];
        got = r_.ReadIntRun(buf, want);
        col->AppendInts(buf, got);
      } else if (col->type() == ColumnType::kString) {
        got = AppendStringRun(col, want, is_tag);
      }
      done += got;
      if (got < want) break;
    }
    return done;
  }

  size_t AppendStringRun(Column* col, size_t want, bool is_tag) {
    size_t got = 0;
    for (std::string_view s; got < want; ++got) {
      const uint8_t* at = r_.position();
      if (!r_.TryReadShortString(&s)) break;
      if (!(is_tag ? ValidateTagValue(s) : ValidateStringField(s)).ok()) {
        r_.Seek(at);  // the per-value path reports it with its row
        break;
      }
      col->AppendString(s);
    }
    return got;
  }

  static Status CheckScalar(const MsgValue& v) {
    switch (v.type) {
      case MsgType::kInt: case MsgType::kFloat: case MsgType::kBool: case MsgType::kString:
        return Status::OK();
      case MsgType::kUint: return Status::InvalidArgument("integer above INT64_MAX");
      default:
        return Status::InvalidArgument(std::string(MsgTypeName(v.type)) +
                                       " values are not supported");
    }
  }

  static Status CheckString(const MsgValue& v, bool is_tag) {
    if (v.type != MsgType::kString) return Status::OK();
    return is_tag ? ValidateTagValue(v.str) : ValidateStringField(v.str);
  }

  static void AppendValue(Column* col, const MsgValue& v) {
    switch (col->type()) {
      case ColumnType::kInt64: col->AppendInt(v.i); break;
      case ColumnType::kDouble:
        col->AppendDouble(v.type == MsgType::kInt ? static_cast<double>(v.i) : v.d);
        break;
      case ColumnType::kBool: col->AppendBool(v.b); break;
      case ColumnType::kString: col->AppendString(v.str); break;
    }
  }

  // ---- row ----

  Status DecodeRow(const ItemKeys& keys) {
    const size_t row = batch_->rows();
    int64_t t = now_us_;
    if (keys.time != nullptr) {
      r_.Seek(keys.time);
      MsgValue v;
      ARC_RETURN_IF_ERROR(r_.Next(&v));
      Status st = TimeFromValue(v, &t);
      if (!st.ok()) return ItemError(st.message());
    }
    if (keys.tags != nullptr) ARC_RETURN_IF_ERROR(ReadRowMap(keys.tags, true, row));
    ARC_RETURN_IF_ERROR(ReadRowMap(keys.fields, false, row));
    bool any_field = false;
    for (const Column& c : batch_->columns) any_field |= !c.is_tag() && c.size() > row;
    if (!any_field) return ItemError("\"fields\" holds no non-null value");
    batch_->FinishRow(t);
    return Status::OK();
  }

  Status ReadRowMap(const uint8_t* pos, bool is_tag, size_t row) {
    r_.Seek(pos);
    MsgValue map;
    ARC_RETURN_IF_ERROR(r_.Next(&map));
    const char* what = is_tag ? "\"tags\"" : "\"fields\"";
    if (map.type != MsgType::kMap) return ItemError(std::string(what) + " must be a map");
    for (uint32_t i = 0; i < map.length; ++i) {
      MsgValue k, v;
      ARC_RETURN_IF_ERROR(r_.Next(&k));
      if (k.type != MsgType::kString) return ItemError(std::string(what) + " keys must be strings");
      ARC_RETURN_IF_ERROR(r_.Next(&v));
      if (v.type == MsgType::kNil) continue;
      ARC_RETURN_IF_ERROR(CheckColumnName(k.str));
      Status st = CheckScalar(v);
      if (st.ok()) st = CheckString(v, is_tag);
      if (!st.ok()) return ItemError(std::string(what) + " " + Quote(k.str) + ": " + st.message());
      ARC_RETURN_IF_ERROR(is_tag ? AppendTag(k.str, v, row) : AppendField(k.str, v, row));
    }
    return Status::OK();
  }

  Status AppendTag(std::string_view key, const MsgValue& v, size_t row) {
    std::string text(v.str);
    if (v.type == MsgType::kInt) text = std::to_string(v.i);
    else if (v.type == MsgType::kFloat) text = std::to_string(v.d);
    else if (v.type == MsgType::kBool) text = v.b ? "true" : "false";
    Result<Column*> col = ColumnFor(key, ColumnType::kString, true);
    if (!col.ok()) return ItemError("tag: " + col.status().message());
    if (!(*col)->is_tag()) return ItemError("tag " + Quote(key) + " was a field in an earlier item");
    if ((*col)->size() > row) (*col)->PopBack();
    (*col)->AppendString(text);
    return Status::OK();
  }

  Status AppendField(std::string_view key, const MsgValue& v, size_t row) {
    std::string renamed;
    const int existing = batch_->FindColumn(key);
    if (existing >= 0 && batch_->columns[existing].is_tag()) {
      renamed = std::string(key) + "_value";
      key = renamed;
    }
    Result<Column*> col = ColumnFor(key, TypeOf(v), false);
    if (!col.ok()) return ItemError("field: " + col.status().message());
    if ((*col)->size() > row) (*col)->PopBack();
    AppendValue(*col, v);
    return Status::OK();
  }

  MsgpackReader r_;
  const int64_t now_us_;
  BatchSet* const out_;
  Batch* batch_ = nullptr;
  int item_ = 0;
  std::optional<Precision> unit_;
};

}  // namespace

Status DecodeMsgpack(std::string_view body, int64_t now_us, BatchSet* out) {
  return Decoder(body, now_us, out).Run();
}

}  // namespace arc
