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

}  // namespace arc::influxql
