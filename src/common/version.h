// The one place that names this build's version (arc --version, start-up log).
#pragma once

namespace arc {

inline constexpr char kArcVersion[] = "0.1.0";

// "release" or "debug" (from NDEBUG), plus "+asan" under AddressSanitizer.
inline constexpr const char* BuildType() {
#if defined(__SANITIZE_ADDRESS__)
#ifdef NDEBUG
  return "release+asan";
#else
  return "debug+asan";
#endif
#elif defined(NDEBUG)
  return "release";
#else
  return "debug";
#endif
}

}  // namespace arc
