// NameRegex: InfluxQL's /regex/ over names (measurements, fields, tags), with RE2 — the
// syntax of InfluxDB's Go regexp and linear time whatever the pattern, so a hostile pattern
// cannot hang a query thread (std::regex backtracks exponentially and recurses per char).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace re2 {
class RE2;
}

namespace arc::influxql {

class NameRegex {
 public:
  // InvalidArgument naming the pattern when RE2 cannot compile it.
  static Result<NameRegex> Compile(const std::string& pattern);
  NameRegex(NameRegex&&) noexcept;
  NameRegex& operator=(NameRegex&&) noexcept;
  ~NameRegex();

  // Unanchored, as Go's MatchString. Thread-safe.
  bool Matches(std::string_view name) const;

 private:
  NameRegex() = default;
  std::unique_ptr<re2::RE2> re_;
};

// Whether `name` matches `pattern` (unanchored); false when RE2 refuses the pattern (callers
// check patterns with Compile first, to report them). The last pattern compiled on this thread
// is kept, so a loop over many names compiles it once. Thread-safe.
bool MatchesName(std::string_view name, const std::string& pattern);

}  // namespace arc::influxql
