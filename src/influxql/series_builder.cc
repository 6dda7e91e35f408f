#include "influxql/series_builder.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>

#include "influxql/time_literal.h"

namespace arc::influxql {
namespace {

struct Point {
  int64_t time_ns = 0;
  Row values;
};

using TagValues = std::vector<std::string>;

int64_t AsInt(const Value& v) { return v.is_number_float() ? static_cast<int64_t>(v.get<double>()) : v.get<int64_t>(); }
// Never throws: a cell that is not a number reads as 0 (callers check is_number first).
double AsDouble(const Value& v) { return v.is_number() ? v.get<double>() : 0.0; }

// Orders values as InfluxDB sorts a field's points: numbers by value, strings and booleans
// by their natural order.
bool ValueLess(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return AsDouble(a) < AsDouble(b);
  if (a.is_string() && b.is_string()) return a.get<std::string>() < b.get<std::string>();
  if (a.is_boolean() && b.is_boolean()) return !a.get<bool>() && b.get<bool>();
  return a.type() < b.type();
}

struct ListPoint {
  int64_t t_ns;
  Value v;
  Row aux;  // a0, a1, ...: the point's other values
};

std::vector<ListPoint> ParseList(const Value& cell) {
  std::vector<ListPoint> out;
  if (!cell.is_string()) return out;
  const Value list = Value::parse(cell.get<std::string>(), nullptr, false);
  if (!list.is_array()) return out;
  for (const Value& p : list) {
    ListPoint lp{p.value("t", int64_t{0}) * 1000, p.value("v", Value()), {}};
    for (size_t i = 0; p.contains("a" + std::to_string(i)); ++i) lp.aux.push_back(p["a" + std::to_string(i)]);
    out.push_back(std::move(lp));
  }
  return out;
}

// Expands one group row whose column `col` is a list aggregate into its points.
// Keeps the best point of each set of the first `n` aux values (top/bottom(x, tag, N)).
std::vector<ListPoint> BestPerTags(std::vector<ListPoint> pts, size_t n, bool top) {
  std::map<Row, ListPoint> best;
  for (ListPoint& p : pts) {
    Row key(p.aux.begin(), p.aux.begin() + static_cast<long>(std::min(n, p.aux.size())));
    auto it = best.find(key);
    const bool better = it == best.end() ||
                        (top ? ValueLess(it->second.v, p.v) : ValueLess(p.v, it->second.v)) ||
                        (!ValueLess(p.v, it->second.v) && !ValueLess(it->second.v, p.v) && p.t_ns < it->second.t_ns);
    if (better) best[key] = std::move(p);
  }
  std::vector<ListPoint> out;
  for (auto& [k, p] : best) out.push_back(std::move(p));
  return out;
}

std::vector<Point> FinishList(const PlannedColumn& c, size_t col, const Point& base, bool selector_time,
                              bool interval) {
  std::vector<ListPoint> pts = ParseList(base.values[col]);
  std::vector<Point> out;
  const ListPoint* chosen = nullptr;
  auto with = [&](const Value& v, int64_t t) {
    Point p = base;
    p.values[col] = v;
    p.time_ns = t;
    if (chosen != nullptr) {
      for (size_t k = 0; k < c.aux_columns.size() && k < chosen->aux.size(); ++k)
        p.values[c.aux_columns[k]] = chosen->aux[k];
    }
    out.push_back(std::move(p));
  };
  switch (c.list) {
    case ListAggregate::kPercentile: {
      std::stable_sort(pts.begin(), pts.end(), [](const ListPoint& a, const ListPoint& b) { return ValueLess(a.v, b.v); });
      // Nearest rank, as InfluxDB: floor(n * p / 100 + 0.5) - 1 (compared as a double first:
      // p may be anything a client writes).
      const double rank = std::floor(static_cast<double>(pts.size()) * c.list_arg / 100.0 + 0.5) - 1;
      const int64_t i = rank >= 0 && rank < static_cast<double>(pts.size()) ? static_cast<int64_t>(rank) : -1;
      if (i < 0) {  // no such rank: null
        with(Value(), base.time_ns);
        break;
      }
      chosen = &pts[static_cast<size_t>(i)];
      with(pts[i].v, selector_time ? pts[i].t_ns : base.time_ns);
      break;
    }
    case ListAggregate::kMode: {
      // InfluxDB's reducer over the points sorted by value: runs are counted, a run updates the
      // mode from its second point on, and an equally long run replaces the mode unless it
      // starts later than the point that last set it. InfluxDB's sort is unstable, so among
      // equally frequent values its pick can differ; this sort keeps time order.
      std::stable_sort(pts.begin(), pts.end(), [](const ListPoint& a, const ListPoint& b) { return ValueLess(a.v, b.v); });
      if (pts.empty()) {
        with(Value(), base.time_ns);
        break;
      }
      size_t most = 0, run = 0;
      Value mode = pts[0].v, current = pts[0].v;
      int64_t most_t = pts[0].t_ns, run_t = pts[0].t_ns;
      for (const ListPoint& p : pts) {
        if (ValueLess(p.v, current) || ValueLess(current, p.v)) {
          run = 1;
          current = p.v;
          run_t = p.t_ns;
          continue;
        }
        ++run;
        if (most > run || (most == run && run_t > most_t)) continue;
        most = run;
        mode = p.v;
        most_t = p.t_ns;
      }
      with(mode, base.time_ns);
      break;
    }
    case ListAggregate::kTop: case ListAggregate::kBottom: {
      const bool top = c.list == ListAggregate::kTop;
      if (c.unique_aux > 0) pts = BestPerTags(std::move(pts), c.unique_aux, top);
      // Greatest (least) values first; equal values: the earlier point.
      std::stable_sort(pts.begin(), pts.end(), [&](const ListPoint& a, const ListPoint& b) {
        if (ValueLess(a.v, b.v) || ValueLess(b.v, a.v)) return top ? ValueLess(b.v, a.v) : ValueLess(a.v, b.v);
        return a.t_ns < b.t_ns;
      });
      if (c.list_arg < static_cast<double>(pts.size())) pts.resize(static_cast<size_t>(c.list_arg));
      // Without GROUP BY time the points keep their times, in time order; in a bucket they
      // take the bucket's start and stay in rank order.
      if (!interval)
        std::stable_sort(pts.begin(), pts.end(), [](const ListPoint& a, const ListPoint& b) { return a.t_ns < b.t_ns; });
      for (const ListPoint& p : pts) {
        chosen = &p;
        with(p.v, interval ? base.time_ns : p.t_ns);
      }
      break;
    }
    case ListAggregate::kDistinct: {
      std::stable_sort(pts.begin(), pts.end(), [](const ListPoint& a, const ListPoint& b) { return ValueLess(a.v, b.v); });
      for (size_t i = 0; i < pts.size(); ++i) {
        if (i > 0 && !ValueLess(pts[i - 1].v, pts[i].v)) continue;
        with(pts[i].v, base.time_ns);
      }
      break;
    }
    case ListAggregate::kIntegral: {
      // Trapezoids between consecutive points (a point at the previous one's time replaces it).
      double area = 0;
      const ListPoint* prev = nullptr;
      for (const ListPoint& p : pts) {
        if (prev != nullptr && p.t_ns != prev->t_ns)
          area += (AsDouble(prev->v) + AsDouble(p.v)) / 2 * static_cast<double>(p.t_ns - prev->t_ns) / c.list_arg;
        prev = &p;
      }
      // Without GROUP BY time InfluxDB answers at the epoch, not at the range start.
      if (!pts.empty()) with(Value(area), interval ? base.time_ns : 0);
      break;
    }
    case ListAggregate::kNone:
      out.push_back(base);
      break;
  }
  return out;
}

// InfluxDB's linear fill: y = m·t + b in floating point (integers truncated back, as its
// linearInteger does; a result outside int64 is null rather than undefined).
Value Interpolate(const Value& a, const Value& b, int64_t ta, int64_t tb, int64_t t) {
  const double m = (AsDouble(b) - AsDouble(a)) / (static_cast<double>(tb) - static_cast<double>(ta));
  const double y = m * static_cast<double>(t) + (AsDouble(a) - m * static_cast<double>(ta));
  if (a.is_number_integer() && b.is_number_integer()) {
    if (!(y > -9.2e18 && y < 9.2e18)) return Value();
    return Value(static_cast<int64_t>(y));
  }
  return Value(y);
}

// Adds the empty buckets of one series between first_ns and last_ns (ascending).
std::vector<Point> AddEmptyBuckets(const SelectPlan& plan, const std::vector<PlannedColumn>& cols,
                                   std::vector<Point> points, int64_t first_ns, int64_t last_ns) {
  const int64_t iv = *plan.interval_ns;
  std::vector<Point> out;
  size_t next = 0;
  const int64_t buckets = static_cast<int64_t>(((__int128)last_ns - first_ns) / iv + 1);
  for (int64_t k = 0; k < buckets; ++k) {
    const int64_t t = first_ns + k * iv;  // fits: first_ns + (buckets - 1) * iv <= last_ns
    if (next < points.size() && points[next].time_ns == t) {
      // Several points in one bucket (list aggregates): keep them all.
      while (next < points.size() && points[next].time_ns == t) out.push_back(std::move(points[next++]));
      continue;
    }
    Point empty;
    empty.time_ns = t;
    for (const PlannedColumn& c : cols) empty.values.push_back(c.zero_when_empty && plan.fill == FillMode::kNull ? Value(0) : Value());
    out.push_back(std::move(empty));
  }
  return out;
}

// Fills null cells in output order (fill(previous) under ORDER BY time DESC carries the later
// bucket's value, as InfluxDB's fill iterator does).
void FillValues(const SelectPlan& plan, size_t ncols, std::vector<Point>* points) {
  std::vector<Point>& out = *points;
  for (size_t c = 0; c < ncols; ++c) {
    if (plan.fill == FillMode::kValue) {
      for (Point& p : out) {
        if (p.values[c].is_null()) p.values[c] = plan.fill_value;
      }
    } else if (plan.fill == FillMode::kPrevious) {
      Value prev;
      for (Point& p : out) {
        if (p.values[c].is_null()) p.values[c] = prev;
        else prev = p.values[c];
      }
    } else if (plan.fill == FillMode::kLinear) {
      size_t last = SIZE_MAX;
      for (size_t i = 0; i < out.size(); ++i) {
        if (out[i].values[c].is_null() || !out[i].values[c].is_number()) continue;
        if (last != SIZE_MAX) {
          for (size_t k = last + 1; k < i; ++k)
            out[k].values[c] = Interpolate(out[last].values[c], out[i].values[c], out[last].time_ns, out[i].time_ns, out[k].time_ns);
        }
        last = i;
      }
    }
  }
}

Value Subtract(const Value& a, const Value& b) {
  if (a.is_number_integer() && b.is_number_integer()) return Value(a.get<int64_t>() - b.get<int64_t>());
  return Value(AsDouble(a) - AsDouble(b));
}

bool Negative(const Value& v) { return v.is_number() && AsDouble(v) < 0; }

std::vector<Point> ApplyTransform(const PlannedColumn& c, size_t col, const std::vector<Point>& in) {
  std::vector<Point> out;
  const Point* prev = nullptr;
  std::deque<double> window;  // moving_average: the last N values and their running sum
  double window_sum = 0;
  Value sum;
  for (const Point& p : in) {
    const Value& v = p.values[col];
    if (v.is_null() || !v.is_number()) continue;
    Point o = p;
    bool emit = false;
    switch (c.transform) {
      case Transform::kDerivative: case Transform::kNonNegativeDerivative:
        if (prev != nullptr && p.time_ns != prev->time_ns) {
          // In output order; under DESC InfluxDB negates the elapsed time, so it is a magnitude.
          const double elapsed = std::fabs(static_cast<double>(p.time_ns) - static_cast<double>(prev->time_ns));
          const double d = (AsDouble(v) - AsDouble(prev->values[col])) / (elapsed / static_cast<double>(c.transform_arg));
          o.values[col] = Value(d);
          emit = !(c.transform == Transform::kNonNegativeDerivative && d < 0);
        }
        break;
      case Transform::kDifference: case Transform::kNonNegativeDifference:
        if (prev != nullptr) {
          o.values[col] = Subtract(v, prev->values[col]);
          emit = !(c.transform == Transform::kNonNegativeDifference && Negative(o.values[col]));
        }
        break;
      case Transform::kElapsed:
        if (prev != nullptr) {
          o.values[col] = Value(static_cast<int64_t>(
              std::fabs(static_cast<double>(p.time_ns) - static_cast<double>(prev->time_ns)) /
              static_cast<double>(c.transform_arg)));
          emit = true;
        }
        break;
      case Transform::kMovingAverage: {
        window.push_back(AsDouble(v));
        window_sum += window.back();
        if (static_cast<int64_t>(window.size()) > c.transform_arg) {
          window_sum -= window.front();
          window.pop_front();
        }
        if (static_cast<int64_t>(window.size()) == c.transform_arg) {
          o.values[col] = Value(window_sum / static_cast<double>(window.size()));
          emit = true;
        }
        break;
      }
      case Transform::kCumulativeSum:
        sum = sum.is_null() ? v : (sum.is_number_integer() && v.is_number_integer()
                                       ? Value(sum.get<int64_t>() + v.get<int64_t>())
                                       : Value(AsDouble(sum) + AsDouble(v)));
        o.values[col] = sum;
        emit = true;
        break;
      case Transform::kNone:
        emit = true;
        break;
    }
    prev = &p;
    if (emit) out.push_back(std::move(o));
  }
  return out;
}

// The start of t's bucket (128-bit: t may be anywhere in int64's range).
int64_t BucketOf(const SelectPlan& plan, int64_t t) {
  const __int128 iv = *plan.interval_ns;
  const __int128 start = t - ((((__int128)t - plan.offset_ns) % iv) + iv) % iv;
  return start < INT64_MIN ? INT64_MIN : static_cast<int64_t>(start);
}

struct Group {
  TagValues tags;
  std::vector<Point> points;
};

// Groups one query's rows by tag set (sorted) and finishes their list aggregates.
std::vector<Group> GroupRows(const SelectPlan& plan, const MeasurementQuery& q, const std::vector<Row>& rows) {
  std::map<TagValues, std::vector<Point>> groups;
  const size_t ntags = q.group_tags.size();
  const size_t ncols = q.columns.size();
  for (const Row& r : rows) {
    TagValues tags;
    for (size_t i = 0; i < ntags; ++i) tags.push_back(r[1 + i].is_string() ? r[1 + i].get<std::string>() : "");
    Point p;
    const int64_t b = r[0].is_number() ? AsInt(r[0]) : 0;
    // A bucket may start before the first nanosecond int64 holds: it starts there (as BucketOf).
    if (!plan.aggregate || plan.interval_ns) p.time_ns = b < INT64_MIN / 1000 ? INT64_MIN : b * 1000;
    else if (q.selector_time && r.size() > 1 + ntags + ncols && r[1 + ntags + ncols].is_number())
      p.time_ns = AsInt(r[1 + ntags + ncols]) * 1000;
    else p.time_ns = plan.range.min_ns.value_or(0);
    p.values.assign(r.begin() + 1 + static_cast<long>(ntags), r.begin() + 1 + static_cast<long>(ntags + ncols));
    std::vector<Point> expanded = {std::move(p)};
    for (size_t c = 0; c < ncols; ++c) {
      if (q.columns[c].list == ListAggregate::kNone) continue;
      const bool lone_selector = ncols == 1 + q.columns[c].aux_columns.size() && !plan.interval_ns;
      std::vector<Point> next;
      for (const Point& e : expanded) {
        for (Point& x : FinishList(q.columns[c], c, e, lone_selector, plan.interval_ns.has_value()))
          next.push_back(std::move(x));
      }
      expanded = std::move(next);
    }
    std::vector<Point>& dst = groups[tags];
    for (Point& x : expanded) dst.push_back(std::move(x));
  }
  std::vector<Group> out;
  for (auto& [tags, points] : groups) {
    std::stable_sort(points.begin(), points.end(), [&](const Point& a, const Point& b) {
      return plan.descending && !plan.aggregate ? a.time_ns > b.time_ns : a.time_ns < b.time_ns;
    });
    out.push_back({tags, std::move(points)});
  }
  return out;
}

// Gives every series the sorted union of their columns (nulls where a series lacks one).
void AlignColumns(std::vector<Series>* series) {
  std::vector<std::string> names;
  for (const Series& s : *series) names.insert(names.end(), s.columns.begin() + 1, s.columns.end());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  names.insert(names.begin(), "time");
  for (Series& s : *series) {
    if (s.columns == names) continue;
    std::vector<int> from(names.size(), -1);
    for (size_t i = 0; i < names.size(); ++i) {
      auto it = std::find(s.columns.begin(), s.columns.end(), names[i]);
      if (it != s.columns.end()) from[i] = static_cast<int>(it - s.columns.begin());
    }
    for (Row& r : s.values) {
      Row aligned(names.size());
      for (size_t i = 0; i < names.size(); ++i) {
        if (from[i] >= 0) aligned[i] = std::move(r[static_cast<size_t>(from[i])]);
      }
      r = std::move(aligned);
    }
    s.columns = names;
  }
}

}  // namespace

Result<std::vector<Series>> BuildSeries(const SelectPlan& plan, const std::vector<std::vector<Row>>& rows,
                                        int64_t max_points) {
  std::vector<std::vector<Group>> grouped;
  std::optional<int64_t> earliest;
  for (size_t i = 0; i < plan.queries.size(); ++i) {
    grouped.push_back(GroupRows(plan, plan.queries[i], rows[i]));
    for (const Group& g : grouped.back()) {
      if (!g.points.empty()) earliest = std::min(earliest.value_or(INT64_MAX), g.points.front().time_ns);
    }
  }
  // Buckets run from the range start (or the earliest point) to the end (or now()).
  int64_t first_bucket = 0, last_bucket = 0;
  const bool fill = plan.interval_ns && plan.fill != FillMode::kNone && earliest;
  if (fill) {
    first_bucket = BucketOf(plan, plan.range.min_ns.value_or(*earliest));
    last_bucket = BucketOf(plan, plan.range.max_ns.value_or(plan.now_ns));
  }
  std::vector<Series> out;
  int64_t total = 0;
  for (size_t i = 0; i < plan.queries.size(); ++i) {
    const MeasurementQuery& q = plan.queries[i];
    for (Group& g : grouped[i]) {
      std::vector<Point> points = std::move(g.points);
      if (fill) {
        const __int128 buckets = ((__int128)last_bucket - first_bucket) / *plan.interval_ns + 1;
        if (buckets > max_points || total + buckets > max_points)
          return Status::InvalidArgument("the answer would hold more than " + std::to_string(max_points) +
                                         " points (GROUP BY time buckets); narrow the time range or widen the interval");
        points = AddEmptyBuckets(plan, q.columns, std::move(points), first_bucket, last_bucket);
      }
      // From here on, output order: raw rows come DESC from SQL, buckets are turned round.
      if (plan.descending && plan.aggregate) std::reverse(points.begin(), points.end());
      if (fill) FillValues(plan, q.columns.size(), &points);
      for (size_t c = 0; c < q.columns.size(); ++c) {
        if (q.columns[c].transform != Transform::kNone) points = ApplyTransform(q.columns[c], c, points);
      }
      if (plan.answer_from_ns || plan.answer_until_ns) {
        const int64_t from = plan.answer_from_ns ? BucketOf(plan, *plan.answer_from_ns) : INT64_MIN;
        const int64_t until = plan.answer_until_ns ? BucketOf(plan, *plan.answer_until_ns) : INT64_MAX;
        points.erase(std::remove_if(points.begin(), points.end(),
                                    [&](const Point& p) { return p.time_ns < from || p.time_ns > until; }),
                     points.end());
      }
      if (!plan.limit_in_sql) {
        const size_t off = std::min(points.size(), static_cast<size_t>(plan.offset));
        points.erase(points.begin(), points.begin() + static_cast<long>(off));
        if (plan.limit > 0 && points.size() > static_cast<size_t>(plan.limit)) points.resize(static_cast<size_t>(plan.limit));
      }
      if (points.empty()) continue;
      total += static_cast<int64_t>(points.size());
      if (total > max_points)
        return Status::InvalidArgument("the answer would hold more than " + std::to_string(max_points) + " points");
      Series s;
      s.name = q.name;
      for (size_t t = 0; t < q.group_tags.size(); ++t) s.tags.emplace_back(q.group_tags[t], g.tags[t]);
      s.has_tags = !q.group_tags.empty();
      s.columns.push_back("time");
      for (const PlannedColumn& c : q.columns) s.columns.push_back(c.name);
      for (Point& p : points) {
        Row r;
        r.reserve(p.values.size() + 1);
        r.emplace_back(p.time_ns);
        for (Value& v : p.values) r.push_back(std::move(v));
        s.values.push_back(std::move(r));
      }
      out.push_back(std::move(s));
    }
  }
  if (plan.union_columns) AlignColumns(&out);
  // ORDER BY time DESC also turns the series round (InfluxDB walks series keys descending).
  if (plan.descending) std::reverse(out.begin(), out.end());
  const size_t soff = std::min(out.size(), static_cast<size_t>(plan.soffset));
  out.erase(out.begin(), out.begin() + static_cast<long>(soff));
  if (plan.slimit > 0 && out.size() > static_cast<size_t>(plan.slimit)) out.resize(static_cast<size_t>(plan.slimit));
  return out;
}

}  // namespace arc::influxql
