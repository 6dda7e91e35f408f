#include "influxql/result_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "influxql/time_literal.h"

namespace arc::influxql {
namespace {

void AppendString(std::string* out, const std::string& s) {
  *out += Value(s).dump(-1, ' ', false, Value::error_handler_t::replace);
}

std::string TimeText(int64_t ns, std::optional<int64_t> epoch) {
  if (epoch) return std::to_string(ns / *epoch);
  return FormatRfc3339(ns);
}

void AppendValue(std::string* out, const Value& v) {
  if (v.is_number_float()) {
    const double d = v.get<double>();
    *out += std::isfinite(d) ? GoFloat(d) : "null";
  } else if (v.is_string()) {
    AppendString(out, v.get<std::string>());
  } else {
    *out += v.dump();
  }
}

class JsonOut {
 public:
  explicit JsonOut(bool pretty) : pretty_(pretty) {}
  void Open(char c) {
    out_ += c;
    ++depth_;
    first_ = true;
  }
  void Close(char c) {
    --depth_;
    if (!first_) Newline();
    out_ += c;
    first_ = false;
  }
  // Starts an element of the current container: comma, newline and indentation.
  void Element() {
    if (!first_) out_ += ',';
    Newline();
    first_ = false;
  }
  void Key(const std::string& k) {
    Element();
    AppendString(&out_, k);
    out_ += pretty_ ? ": " : ":";
  }
  std::string& raw() { return out_; }
  void MarkNonEmpty() { first_ = false; }

 private:
  void Newline() {
    if (!pretty_) return;
    out_ += '\n';
    out_.append(static_cast<size_t>(depth_) * 4, ' ');
  }
  bool pretty_;
  std::string out_;
  int depth_ = 0;
  bool first_ = true;
};

void WriteRow(JsonOut* j, const Series& s, const Row& row, std::optional<int64_t> epoch) {
  j->Element();
  j->Open('[');
  for (size_t i = 0; i < row.size(); ++i) {
    j->Element();
    if (i == 0 && s.has_time() && row[0].is_number_integer()) {
      const int64_t ns = row[0].get<int64_t>();
      if (epoch) j->raw() += TimeText(ns, epoch);
      else AppendString(&j->raw(), TimeText(ns, epoch));
    } else {
      AppendValue(&j->raw(), row[i]);
    }
  }
  j->Close(']');
}

void WriteSeries(JsonOut* j, const Series& s, std::optional<int64_t> epoch, bool partial = false) {
  j->Element();
  j->Open('{');
  if (!s.name.empty()) {
    j->Key("name");
    AppendString(&j->raw(), s.name);
  }
  if (!s.tags.empty()) {
    j->Key("tags");
    j->Open('{');
    for (const auto& [k, v] : s.tags) {
      j->Key(k);
      AppendString(&j->raw(), v);
    }
    j->Close('}');
  }
  j->Key("columns");
  j->Open('[');
  for (const std::string& c : s.columns) {
    j->Element();
    AppendString(&j->raw(), c);
  }
  j->Close(']');
  if (!s.values.empty()) {
    j->Key("values");
    j->Open('[');
    for (const Row& r : s.values) WriteRow(j, s, r, epoch);
    j->Close(']');
  }
  if (partial) {
    j->Key("partial");
    j->raw() += "true";
  }
  j->Close('}');
}

// One chunked document: {"results":[{"statement_id":N, "series":[s], "partial":...}]}.
std::string ChunkDocument(int id, const Series* s, bool series_partial, bool partial,
                          const std::string& error, std::optional<int64_t> epoch) {
  JsonOut j(false);
  j.Open('{');
  j.Key("results");
  j.Open('[');
  j.Element();
  j.Open('{');
  j.Key("statement_id");
  j.raw() += std::to_string(id);
  if (!error.empty()) {
    j.Key("error");
    AppendString(&j.raw(), error);
  }
  if (s != nullptr) {
    j.Key("series");
    j.Open('[');
    WriteSeries(&j, *s, epoch, series_partial);
    j.Close(']');
  }
  if (partial) {
    j.Key("partial");
    j.raw() += "true";
  }
  j.Close('}');
  j.Close(']');
  j.Close('}');
  return j.raw() + "\n";
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvValue(const Value& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return CsvField(v.get<std::string>());
  if (v.is_number_float()) return GoFloat(v.get<double>());
  return v.dump();
}

}  // namespace

std::string GoFloat(double v) {
  char buf[64];
  const double a = std::fabs(v);
  const bool exponent = a != 0 && (a < 1e-6 || a >= 1e21);
  const auto r = std::to_chars(buf, buf + sizeof(buf), v,
                               exponent ? std::chars_format::scientific : std::chars_format::fixed);
  std::string out(buf, r.ptr);
  // Go writes "1e-7" where to_chars writes "1e-07" (encoding/json trims the exponent's zero).
  const size_t n = out.size();
  if (n >= 4 && out[n - 4] == 'e' && out[n - 3] == '-' && out[n - 2] == '0') out.erase(n - 2, 1);
  return out;
}

std::optional<int64_t> EpochDivisor(const std::optional<std::string>& epoch) {
  if (!epoch || epoch->empty()) return std::nullopt;
  const std::string& e = *epoch;
  if (e == "u" || e == "\xC2\xB5") return 1000;
  if (e == "ms") return 1000000;
  if (e == "s") return 1000000000;
  if (e == "m") return 60000000000;
  if (e == "h") return 3600000000000;
  return 1;
}

std::string WriteJson(const std::vector<StatementResult>& results, std::optional<int64_t> epoch,
                      bool pretty) {
  JsonOut j(pretty);
  j.Open('{');
  j.Key("results");
  j.Open('[');
  for (const StatementResult& r : results) {
    j.Element();
    j.Open('{');
    j.Key("statement_id");
    j.raw() += std::to_string(r.statement_id);
    if (!r.error.empty()) {
      j.Key("error");
      AppendString(&j.raw(), r.error);
    } else if (!r.series.empty()) {
      j.Key("series");
      j.Open('[');
      for (const Series& s : r.series) WriteSeries(&j, s, epoch);
      j.Close(']');
    }
    j.Close('}');
  }
  j.Close(']');
  j.Close('}');
  return j.raw() + (pretty ? "\n" : "");
}

std::string WriteChunkedJson(const std::vector<StatementResult>& results,
                             std::optional<int64_t> epoch, size_t chunk_size) {
  std::string out;
  chunk_size = std::max<size_t>(chunk_size, 1);
  for (const StatementResult& r : results) {
    if (!r.error.empty() || r.series.empty()) {
      out += ChunkDocument(r.statement_id, nullptr, false, false, r.error, epoch);
      continue;
    }
    for (size_t i = 0; i < r.series.size(); ++i) {
      const Series& s = r.series[i];
      const bool last_series = i + 1 == r.series.size();
      for (size_t from = 0; from == 0 || from < s.values.size(); from += chunk_size) {
        const size_t to = std::min(s.values.size(), from + chunk_size);
        Series piece;
        piece.name = s.name;
        piece.tags = s.tags;
        piece.columns = s.columns;
        piece.values.assign(s.values.begin() + static_cast<long>(from), s.values.begin() + static_cast<long>(to));
        const bool more_rows = to < s.values.size();
        out += ChunkDocument(r.statement_id, &piece, more_rows, more_rows || !last_series, "", epoch);
        if (to >= s.values.size()) break;
      }
    }
  }
  return out;
}

std::string WriteCsv(const std::vector<StatementResult>& results, std::optional<int64_t> epoch) {
  std::string out;
  std::vector<std::string> header;
  for (const StatementResult& r : results) {
    if (!r.error.empty()) {
      out += "error\n" + CsvField(r.error) + "\n";
      header.clear();
      continue;
    }
    for (const Series& s : r.series) {
      if (s.columns != header) {
        if (!out.empty()) out += "\n";
        out += "name,tags";
        for (const std::string& c : s.columns) out += "," + CsvField(c);
        out += "\n";
        header = s.columns;
      }
      std::string tags;
      for (const auto& [k, v] : s.tags) tags += (tags.empty() ? "" : ",") + k + "=" + v;
      for (const Row& row : s.values) {
        out += CsvField(s.name) + "," + CsvField(tags);
        for (size_t i = 0; i < row.size(); ++i) {
          out += ",";
          if (i == 0 && s.has_time() && row[0].is_number_integer())
            out += std::to_string(row[0].get<int64_t>() / epoch.value_or(1));
          else
            out += CsvValue(row[i]);
        }
        out += "\n";
      }
    }
  }
  return out;
}

}  // namespace arc::influxql
