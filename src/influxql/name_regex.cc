#include "influxql/name_regex.h"

#include <re2/re2.h>

#include <memory>

namespace arc::influxql {

Result<NameRegex> NameRegex::Compile(const std::string& pattern) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_max_mem(8 << 20);  // a pattern's automaton stays small
  NameRegex r;
  r.re_ = std::make_unique<re2::RE2>(pattern, options);
  if (!r.re_->ok())
    return Status::InvalidArgument("invalid regex /" + pattern.substr(0, 200) + "/: " + r.re_->error());
  return r;
}

NameRegex::NameRegex(NameRegex&&) noexcept = default;
NameRegex& NameRegex::operator=(NameRegex&&) noexcept = default;
NameRegex::~NameRegex() = default;

bool NameRegex::Matches(std::string_view name) const { return RE2::PartialMatch(name, *re_); }

bool MatchesName(std::string_view name, const std::string& pattern) {
  struct Cached {
    std::string pattern;
    std::unique_ptr<NameRegex> re;  // null: RE2 refused the pattern
    bool valid = false;
  };
  thread_local Cached cached;
  if (!cached.valid || cached.pattern != pattern) {
    Result<NameRegex> re = NameRegex::Compile(pattern);
    cached.re = re.ok() ? std::make_unique<NameRegex>(std::move(*re)) : nullptr;
    cached.pattern = pattern;
    cached.valid = true;
  }
  return cached.re != nullptr && cached.re->Matches(name);
}

}  // namespace arc::influxql
