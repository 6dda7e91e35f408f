#include "ingest/line_protocol.h"

#include <charconv>
#include <cmath>
#include <string>

#include "ingest/validate.h"

namespace arc {
namespace {

constexpr int64_t kMaxInt64 = INT64_MAX;

// One field or tag value, typed.
struct FieldValue {
  ColumnType type = ColumnType::kDouble;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  std::string_view s;
};

class LineParser {
 public:
  LineParser(std::string_view body, Precision precision, int64_t now_us, BatchSet* out)
      : p_(body.data()), end_(body.data() + body.size()), precision_(precision),
        now_us_(now_us), out_(out) {}

  Status Run() {
    while (p_ < end_) {
      line_start_ = p_;
      SkipSpaces();
      if (p_ >= end_) break;
      if (*p_ == '\n') {
        ++p_;
        ++line_no_;
        continue;
      }
      if (*p_ == '#') {
        SkipToLineEnd();
        continue;
      }
      Status st = ParseLine();
      if (!st.ok()) return LineError(st.message());
    }
    return Status::OK();
  }

 private:
  void SkipSpaces() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\r')) ++p_;
  }
  void SkipToLineEnd() {
    while (p_ < end_ && *p_ != '\n') ++p_;
  }

  Status LineError(const std::string& why) {
    const char* e = line_start_;
    while (e < end_ && *e != '\n') ++e;
    std::string text(line_start_, std::min<size_t>(e - line_start_, 200));
    return Status::InvalidArgument("line " + std::to_string(line_no_) + ": " + why +
                                   " (line: \"" + text + "\")");
  }

  // Reads a measurement, tag key, tag value or field key, unescaping `\,` `\ ` `\=` `\\`.
  // Stops before an unescaped ',', ' ', '=' (when `stop_at_equals`) or a newline.
  std::string_view ReadName(std::string* scratch, bool stop_at_equals) {
    const char* start = p_;
    bool escaped = false;
    while (p_ < end_) {
      const char c = *p_;
      if (c == '\\' && p_ + 1 < end_ && p_[1] != '\n') {
        escaped = true;
        p_ += 2;
        continue;
      }
      if (c == ',' || c == ' ' || c == '\n' || c == '\r' || (stop_at_equals && c == '=')) break;
      ++p_;
    }
    std::string_view raw(start, p_ - start);
    if (!escaped) return raw;
    scratch->clear();
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() &&
          (raw[i + 1] == ',' || raw[i + 1] == ' ' || raw[i + 1] == '=' || raw[i + 1] == '\\')) {
        ++i;
      }
      scratch->push_back(raw[i]);
    }
    return *scratch;
  }

  Status ParseLine() {
    std::string_view name = ReadName(&scratch_measurement_, false);
    if (name.empty()) return Status::InvalidArgument("missing measurement name");
    if (batch_ == nullptr || batch_->measurement != name) {
      ARC_RETURN_IF_ERROR(out_->GetOrCreate(name, &batch_));
    }
    row_ = batch_->rows();
    hint_ = 0;
    while (p_ < end_ && *p_ == ',') {
      ++p_;
      ARC_RETURN_IF_ERROR(ParseTag());
    }
    if (p_ >= end_ || *p_ != ' ') return Status::InvalidArgument("missing fields");
    SkipSpaces();
    if (p_ >= end_ || *p_ == '\n') return Status::InvalidArgument("missing fields");
    for (;;) {
      ARC_RETURN_IF_ERROR(ParseField());
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      break;
    }
    int64_t t = now_us_;
    ARC_RETURN_IF_ERROR(ParseTimestamp(&t));
    batch_->FinishRow(t);
    return Status::OK();
  }

  Status ParseTag() {
    std::string_view key = ReadName(&scratch_key_, true);
    if (key.empty()) return Status::InvalidArgument("empty tag key");
    if (p_ >= end_ || *p_ != '=') {
      return Status::InvalidArgument("tag \"" + std::string(key) + "\" has no value");
    }
    ++p_;
    std::string_view value = ReadName(&scratch_value_, false);
    if (value.empty()) {
      return Status::InvalidArgument("tag \"" + std::string(key) + "\" has an empty value");
    }
    ARC_RETURN_IF_ERROR(ValidateTagValue(value).WithContext("tag \"" + std::string(key) + "\""));
    ARC_ASSIGN_OR_RETURN(Column * col, ColumnFor(key, ColumnType::kString, true));
    if (col->size() > row_) col->PopBack();  // repeated tag key: the last one wins
    col->AppendString(value);
    return Status::OK();
  }

  Status ParseField() {
    std::string_view key = ReadName(&scratch_key_, true);
    if (key.empty()) return Status::InvalidArgument("empty field key");
    if (p_ >= end_ || *p_ != '=') {
      return Status::InvalidArgument("field \"" + std::string(key) + "\" has no value");
    }
    ++p_;
    FieldValue v;
    ARC_RETURN_IF_ERROR(ParseFieldValue(key, &v));
    std::string renamed;
    const int idx = batch_->FindColumn(key, hint_);
    if (idx >= 0 && batch_->columns[idx].is_tag()) {
      renamed = std::string(key) + "_value";  // a field named like a tag
      key = renamed;
    }
    Column* col = nullptr;
    if (idx >= 0 && !batch_->columns[idx].is_tag() && batch_->columns[idx].type() == v.type) {
      col = &batch_->columns[idx];  // the common case, found once
      hint_ = idx + 1;
    } else {
      ARC_ASSIGN_OR_RETURN(col, ColumnFor(key, v.type, false));
    }
    if (col->size() > row_) col->PopBack();  // repeated field key: the last one wins
    switch (v.type) {
      case ColumnType::kInt64: col->AppendInt(v.i); break;
      case ColumnType::kDouble: col->AppendDouble(v.d); break;
      case ColumnType::kBool: col->AppendBool(v.b); break;
      case ColumnType::kString:
        ARC_RETURN_IF_ERROR(ValidateStringField(v.s).WithContext("field \"" + std::string(key) + "\""));
        col->AppendString(v.s);
        break;
    }
    return Status::OK();
  }

  // Finds or creates the column; a type or tag/field conflict with earlier lines is an error.
  Result<Column*> ColumnFor(std::string_view key, ColumnType type, bool is_tag) {
    int idx = batch_->FindColumn(key, hint_);
    if (idx < 0) {
      ARC_RETURN_IF_ERROR(ValidateColumnName(key));
      if (batch_->FindColumnIgnoringCase(key) >= 0) {
        return Status::InvalidArgument("key \"" + std::string(key) +
                                       "\" differs only in case from an earlier key");
      }
      idx = batch_->AddColumn(key, type, is_tag);
    }
    hint_ = idx + 1;
    Column* col = &batch_->columns[idx];
    if (col->is_tag() != is_tag) {
      return Status::InvalidArgument("\"" + std::string(key) + "\" is a " +
                                     (is_tag ? "tag" : "field") + " here but a " +
                                     (is_tag ? "field" : "tag") + " in an earlier line");
    }
    if (col->type() != type) {
      return Status::InvalidArgument("field type conflict: \"" + std::string(key) + "\" is " +
                                     ColumnTypeName(type) + " here but " +
                                     ColumnTypeName(col->type()) + " in an earlier line");
    }
    return col;
  }

  Status ParseFieldValue(std::string_view key, FieldValue* v) {
    if (p_ < end_ && *p_ == '"') return ParseStringValue(key, v);
    const char* start = p_;
    while (p_ < end_ && *p_ != ',' && *p_ != ' ' && *p_ != '\n' && *p_ != '\r') ++p_;
    std::string_view tok(start, p_ - start);
    auto bad = [&](const char* why) {
      return Status::InvalidArgument(std::string(why) + " for field \"" + std::string(key) +
                                     "\": " + std::string(tok.substr(0, 64)));
    };
    if (tok.empty()) return bad("missing value");
    const char last = tok.back();
    if (last == 'i' || last == 'u') {
      std::string_view digits = tok.substr(0, tok.size() - 1);
      if (!digits.empty() && digits[0] == '+') digits.remove_prefix(1);
      v->type = ColumnType::kInt64;
      if (last == 'i') {
        auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v->i);
        if (r.ec == std::errc::result_out_of_range) return bad("integer out of range");
        if (r.ec != std::errc() || r.ptr != digits.data() + digits.size() || digits.empty()) {
          return bad("invalid integer");
        }
        return Status::OK();
      }
      uint64_t u = 0;
      auto r = std::from_chars(digits.data(), digits.data() + digits.size(), u);
      if (r.ec != std::errc() || r.ptr != digits.data() + digits.size() || digits.empty()) {
        return bad("invalid unsigned integer");
      }
      if (u > static_cast<uint64_t>(kMaxInt64)) return bad("unsigned integer above INT64_MAX");
      v->i = static_cast<int64_t>(u);
      return Status::OK();
    }
    if (tok == "t" || tok == "T" || tok == "true" || tok == "True" || tok == "TRUE") {
      v->type = ColumnType::kBool;
      v->b = true;
      return Status::OK();
    }
    if (tok == "f" || tok == "F" || tok == "false" || tok == "False" || tok == "FALSE") {
      v->type = ColumnType::kBool;
      v->b = false;
      return Status::OK();
    }
    std::string_view num = tok;
    if (num[0] == '+') num.remove_prefix(1);
    if (num.empty() || !((num[0] >= '0' && num[0] <= '9') || num[0] == '-' || num[0] == '.')) {
      return bad("invalid field value");
    }
    v->type = ColumnType::kDouble;
    if (ParseShortDecimal(num, &v->d)) return Status::OK();
    auto r = std::from_chars(num.data(), num.data() + num.size(), v->d);
    if (r.ec != std::errc() || r.ptr != num.data() + num.size() || !std::isfinite(v->d)) {
      return bad("invalid number");
    }
    return Status::OK();
  }

  // Clinger's fast path for the common "-123.45": with at most 15 significant digits and 22
  // fraction digits, mantissa and power of ten are exact doubles and one division rounds
  // correctly, giving what from_chars gives. False (nothing decided) for anything else.
  static bool ParseShortDecimal(std::string_view s, double* out) {
    static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    size_t i = 0;
    const bool negative = !s.empty() && s[0] == '-';
    if (negative) ++i;
    uint64_t mantissa = 0;
    int significant = 0, fraction = -1;
    bool any_digit = false;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (c >= '0' && c <= '9') {
        mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
        significant += mantissa != 0;
        fraction += fraction >= 0;
        any_digit = true;
        if (significant > 15 || fraction > 22) return false;
      } else if (c == '.' && fraction < 0) {
        fraction = 0;
      } else {
        return false;  // exponent, second point, anything else: from_chars decides
      }
    }
    if (!any_digit) return false;
    const double d = static_cast<double>(mantissa) / kPow10[fraction < 0 ? 0 : fraction];
    *out = negative ? -d : d;
    return true;
  }

  Status ParseStringValue(std::string_view key, FieldValue* v) {
    ++p_;  // opening quote
    const char* start = p_;
    bool escaped = false;
    while (p_ < end_ && *p_ != '"') {
      if (*p_ == '\\' && p_ + 1 < end_) {
        escaped = true;
        ++p_;
      }
      if (*p_ == '\n') ++line_no_;
      ++p_;
    }
    if (p_ >= end_) {
      return Status::InvalidArgument("unterminated string for field \"" + std::string(key) + "\"");
    }
    std::string_view raw(start, p_ - start);
    ++p_;  // closing quote
    v->type = ColumnType::kString;
    if (!escaped) {
      v->s = raw;
      return Status::OK();
    }
    scratch_string_.clear();
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '"' || raw[i + 1] == '\\')) ++i;
      scratch_string_.push_back(raw[i]);
    }
    v->s = scratch_string_;
    return Status::OK();
  }

  Status ParseTimestamp(int64_t* t) {
    SkipSpaces();
    if (p_ >= end_ || *p_ == '\n') return FinishLine();
    const char* start = p_;
    while (p_ < end_ && *p_ != ' ' && *p_ != '\n' && *p_ != '\r' && *p_ != '\t') ++p_;
    std::string_view tok(start, p_ - start);
    int64_t raw = 0;
    auto r = std::from_chars(tok.data(), tok.data() + tok.size(), raw);
    if (r.ec == std::errc::result_out_of_range) {
      return Status::InvalidArgument("timestamp out of range: " + std::string(tok.substr(0, 40)));
    }
    if (r.ec != std::errc() || r.ptr != tok.data() + tok.size()) {
      return Status::InvalidArgument("invalid timestamp \"" + std::string(tok.substr(0, 40)) + "\"");
    }
    ARC_ASSIGN_OR_RETURN(*t, ToMicros(raw, precision_));
    ARC_RETURN_IF_ERROR(ValidateTime(*t));
    SkipSpaces();
    if (p_ < end_ && *p_ != '\n') return Status::InvalidArgument("unexpected text after timestamp");
    return FinishLine();
  }

  Status FinishLine() {
    if (p_ < end_) ++p_;  // the newline
    ++line_no_;
    return Status::OK();
  }

  const char* p_;
  const char* const end_;
  const char* line_start_ = nullptr;
  const Precision precision_;
  const int64_t now_us_;
  BatchSet* const out_;
  Batch* batch_ = nullptr;
  size_t row_ = 0;
  int hint_ = 0;
  int line_no_ = 1;
  std::string scratch_measurement_, scratch_key_, scratch_value_, scratch_string_;
};

}  // namespace

Status ParseLineProtocol(std::string_view body, Precision precision, int64_t now_us,
                         BatchSet* out) {
  return LineParser(body, precision, now_us, out).Run();
}

}  // namespace arc
