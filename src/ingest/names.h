// Validation of database and measurement names (they become directory names).
#pragma once

#include <string_view>

#include "common/status.h"

namespace arc {

// ^[A-Za-z][A-Za-z0-9_-]{0,63}$ ; InvalidArgument naming the problem otherwise.
Status ValidateDatabaseName(std::string_view name);
// ^[A-Za-z][A-Za-z0-9_-]{0,127}$
Status ValidateMeasurementName(std::string_view name);

}  // namespace arc
