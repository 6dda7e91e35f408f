#include "influxql/catalog.h"

#include <algorithm>

namespace arc::influxql {

const char* FieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kFloat: return "float";
    case FieldType::kInteger: return "integer";
    case FieldType::kString: return "string";
    case FieldType::kBoolean: return "boolean";
  }
  return "float";
}

bool MeasurementSchema::IsTag(const std::string& name) const {
  return std::binary_search(tags.begin(), tags.end(), name);
}

const FieldInfo* MeasurementSchema::Field(const std::string& name) const {
  auto it = std::lower_bound(fields.begin(), fields.end(), name,
                             [](const FieldInfo& f, const std::string& n) { return f.name < n; });
  return it != fields.end() && it->name == name ? &*it : nullptr;
}

bool Catalog::HasDatabase(const std::string& db) {
  const std::vector<std::string> dbs = Databases();
  return std::find(dbs.begin(), dbs.end(), db) != dbs.end();
}

}  // namespace arc::influxql
