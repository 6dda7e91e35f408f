#include "query/catalog_statement.h"

#include <cctype>
#include <vector>

#include "ingest/names.h"

namespace arc {
namespace {

constexpr char kSupported[] =
    "supported are SHOW DATABASES, SHOW TABLES [FROM db], SHOW MEASUREMENTS [FROM db], "
    "SHOW ALL TABLES and DESCRIBE [db.]measurement";

bool IsQuote(char c) { return c == '"' || c == '\'' || c == '`'; }
bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// A name as written: its dot-separated parts (quotes removed) and the raw text, for messages.
struct Name {
  std::vector<std::string> parts;
  std::string raw;
};

// Reads a statement left to right; whitespace and comments separate words.
class Reader {
 public:
  explicit Reader(std::string_view sql) : sql_(sql) {}

  // Skips whitespace and comments; InvalidArgument for an unterminated /* comment.
  Status SkipSpace() {
    for (;;) {
      while (pos_ < sql_.size() && IsSpace(sql_[pos_])) ++pos_;
      if (sql_.substr(pos_, 2) == "--") {
        while (pos_ < sql_.size() && sql_[pos_] != '\n') ++pos_;
      } else if (sql_.substr(pos_, 2) == "/*") {
        const size_t end = sql_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return Status::InvalidArgument("unterminated /* comment");
        pos_ = end + 2;
      } else {
        return Status::OK();
      }
    }
  }

  // The next keyword-like word (letters, digits, '_'), upper-cased; empty when none.
  Result<std::string> Word() {
    ARC_RETURN_IF_ERROR(SkipSpace());
    std::string w;
    while (pos_ < sql_.size() && (std::isalnum(static_cast<unsigned char>(sql_[pos_])) || sql_[pos_] == '_')) {
      w += static_cast<char>(std::toupper(static_cast<unsigned char>(sql_[pos_++])));
    }
    return w;
  }

  // A possibly qualified, possibly quoted name (a, "a", a.b, "a"."b"); nullopt when the next
  // thing is the end or a semicolon. Unquoted parts run to whitespace, '.', ';' or a quote, so
  // a bad name such as ../etc is read whole and refused by name validation.
  Result<std::optional<Name>> ReadName() {
    ARC_RETURN_IF_ERROR(SkipSpace());
    if (AtEnd() || sql_[pos_] == ';') return std::optional<Name>();
    const size_t start = pos_;
    Name name;
    for (;;) {
      std::string part;
      if (pos_ < sql_.size() && IsQuote(sql_[pos_])) {
        ARC_ASSIGN_OR_RETURN(part, Quoted());
      } else {
        while (pos_ < sql_.size() && !IsSpace(sql_[pos_]) && sql_[pos_] != '.' &&
               sql_[pos_] != ';' && !IsQuote(sql_[pos_])) {
          part += sql_[pos_++];
        }
      }
      name.parts.push_back(std::move(part));
      if (pos_ >= sql_.size() || sql_[pos_] != '.') break;
      ++pos_;
    }
    name.raw = std::string(sql_.substr(start, pos_ - start));
    return std::optional<Name>(std::move(name));
  }

  // OK at the end (after one optional ';'); InvalidArgument naming the first extra text.
  Status ExpectEnd(std::string_view after) {
    ARC_RETURN_IF_ERROR(SkipSpace());
    if (pos_ < sql_.size() && sql_[pos_] == ';') {
      ++pos_;
      ARC_RETURN_IF_ERROR(SkipSpace());
    }
    if (pos_ >= sql_.size()) return Status::OK();
    return Status::InvalidArgument("unexpected \"" + std::string(sql_.substr(pos_, 40)) +
                                   "\" after " + std::string(after) + " (" + kSupported + ")");
  }

  bool AtEnd() const { return pos_ >= sql_.size(); }

 private:
  // A quoted identifier; a doubled quote stands for itself.
  Result<std::string> Quoted() {
    const char q = sql_[pos_++];
    std::string out;
    while (pos_ < sql_.size()) {
      if (sql_[pos_] == q) {
        if (pos_ + 1 < sql_.size() && sql_[pos_ + 1] == q) {
          out += q;
          pos_ += 2;
          continue;
        }
        ++pos_;
        return out;
      }
      out += sql_[pos_++];
    }
    return Status::InvalidArgument(std::string("unterminated quoted name (") + q + ")");
  }

  std::string_view sql_;
  size_t pos_ = 0;
};

Result<std::string> DatabaseOf(const Name& name) {
  if (name.parts.size() != 1) {
    return Status::InvalidArgument("invalid database name \"" + name.raw.substr(0, 200) +
                                   "\": only letters, digits, '_' and '-' are allowed");
  }
  ARC_RETURN_IF_ERROR(ValidateDatabaseName(name.parts[0]));
  return name.parts[0];
}

// SHOW TABLES | MEASUREMENTS [FROM | IN db]
Result<CatalogStatement> ShowTables(Reader* r, const std::string& what) {
  CatalogStatement s;
  s.kind = CatalogStatement::Kind::kShowTables;
  ARC_ASSIGN_OR_RETURN(const std::string from, r->Word());
  if (from.empty()) {
    ARC_RETURN_IF_ERROR(r->ExpectEnd("SHOW " + what));
    return s;
  }
  if (from != "FROM" && from != "IN") {
    return Status::InvalidArgument("expected FROM db after SHOW " + what + ", found \"" + from +
                                   "\" (" + kSupported + ")");
  }
  ARC_ASSIGN_OR_RETURN(const std::optional<Name> db, r->ReadName());
  if (!db) return Status::InvalidArgument("SHOW " + what + " " + from + " needs a database name");
  ARC_ASSIGN_OR_RETURN(s.database, DatabaseOf(*db));
  ARC_RETURN_IF_ERROR(r->ExpectEnd("SHOW " + what + " " + from + " " + db->raw));
  return s;
}

Result<CatalogStatement> Show(Reader* r) {
  ARC_ASSIGN_OR_RETURN(const std::string what, r->Word());
  if (what == "DATABASES") {
    ARC_RETURN_IF_ERROR(r->ExpectEnd("SHOW DATABASES"));
    return CatalogStatement{};
  }
  if (what == "TABLES" || what == "MEASUREMENTS") return ShowTables(r, what);
  if (what == "ALL") {
    ARC_ASSIGN_OR_RETURN(const std::string tables, r->Word());
    if (tables == "TABLES") {
      ARC_RETURN_IF_ERROR(r->ExpectEnd("SHOW ALL TABLES"));
      CatalogStatement s;
      s.kind = CatalogStatement::Kind::kShowTables;
      s.all_databases = true;
      return s;
    }
  }
  return Status::InvalidArgument("unsupported SHOW statement: " + std::string(kSupported));
}

// DESCRIBE [TABLE] [db.]measurement; nullopt for DESCRIBE of a query, which the SQL path
// runs (it reads only the measurements the query names).
Result<std::optional<CatalogStatement>> Describe(Reader* r) {
  ARC_ASSIGN_OR_RETURN(std::optional<Name> name, r->ReadName());
  if (name && name->parts.size() == 1 && name->raw == name->parts[0]) {
    std::string upper;
    for (char c : name->parts[0]) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "TABLE") {
      ARC_ASSIGN_OR_RETURN(name, r->ReadName());
    } else if (upper == "SELECT" || upper == "WITH" || upper == "FROM" || upper == "VALUES" ||
               upper.rfind('(', 0) == 0) {
      return std::optional<CatalogStatement>();
    }
  }
  if (!name) return Status::InvalidArgument("DESCRIBE needs a measurement: DESCRIBE [db.]measurement");
  CatalogStatement s;
  s.kind = CatalogStatement::Kind::kDescribe;
  if (name->parts.size() > 2) {
    return Status::InvalidArgument("invalid measurement \"" + name->raw.substr(0, 200) +
                                   "\": expected measurement or db.measurement");
  }
  if (name->parts.size() == 2) {
    ARC_RETURN_IF_ERROR(ValidateDatabaseName(name->parts[0]));
    s.database = name->parts[0];
  }
  ARC_RETURN_IF_ERROR(ValidateMeasurementName(name->parts.back()));
  s.measurement = name->parts.back();
  ARC_RETURN_IF_ERROR(r->ExpectEnd("DESCRIBE " + name->raw));
  return std::optional<CatalogStatement>(std::move(s));
}

}  // namespace

Result<std::optional<CatalogStatement>> ParseCatalogStatement(std::string_view sql) {
  Reader r(sql);
  // A comment in front must not hide a catalogue statement (Arc normalises the same way).
  Result<std::string> first = r.Word();
  if (!first.ok()) return std::optional<CatalogStatement>();  // not ours: the SQL path answers
  if (*first == "SHOW") {
    ARC_ASSIGN_OR_RETURN(CatalogStatement s, Show(&r));
    return std::optional<CatalogStatement>(std::move(s));
  }
  if (*first == "DESCRIBE" || *first == "DESC") return Describe(&r);
  if (*first == "PRAGMA") {
    return Status::InvalidArgument(*first + " is not supported (" + kSupported +
                                   "; anything else is one read-only SELECT)");
  }
  return std::optional<CatalogStatement>();
}

}  // namespace arc
