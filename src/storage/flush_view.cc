#include "storage/flush_view.h"

#include <algorithm>
#include <queue>
#include <tuple>

namespace arc {

FlushView::FlushView(const std::vector<Batch>& batches) : batches_(batches) {
  BuildSchema();
  BuildRuns();
  SplitHours();
}

void FlushView::BuildSchema() {
  for (const Batch& b : batches_) {
    for (const Column& c : b.columns) {
      auto same = [&](const SchemaColumn& s) { return EqualsIgnoringCase(s.name, c.name()); };
      auto it = std::find_if(schema_.begin(), schema_.end(), same);
      if (it == schema_.end()) {
        schema_.push_back({c.name(), c.type(), c.is_tag()});
      } else if (it->type != c.type() || it->is_tag != c.is_tag()) {
        consistent_ = false;
      }
    }
  }
  for (const Batch& b : batches_) {
    std::vector<int> map;
    for (const SchemaColumn& s : schema_) {
      const int exact = b.FindColumn(s.name);
      map.push_back(exact >= 0 ? exact : b.FindColumnIgnoringCase(s.name));
    }
    column_map_.push_back(std::move(map));
  }
}

static bool IsSorted(const std::vector<int64_t>& t) { return std::is_sorted(t.begin(), t.end()); }

// k-way merge of the batches; each must be sorted. A run extends while its batch's next time
// is not after the smallest head of the other batches.
void FlushView::BuildRuns() {
  const std::vector<Batch>& batches = batches_;
  if (!std::all_of(batches.begin(), batches.end(),
                   [](const Batch& b) { return IsSorted(b.time_us); })) {
    SortBatchByPermutation();
    return;
  }
  using Head = std::pair<int64_t, uint32_t>;  // (time, batch)
  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heap;
  std::vector<uint32_t> next(batches.size(), 0);
  for (uint32_t b = 0; b < batches.size(); ++b) {
    if (batches[b].rows() > 0) heap.push({batches[b].time_us[0], b});
  }
  while (!heap.empty()) {
    const uint32_t b = heap.top().second;
    heap.pop();
    const std::vector<int64_t>& t = batches[b].time_us;
    const uint32_t start = next[b];
    uint32_t r = start + 1;
    if (heap.empty()) {
      r = static_cast<uint32_t>(t.size());
    } else {
      const int64_t limit = heap.top().first;
      while (r < t.size() && t[r] <= limit) ++r;
    }
    runs_.push_back({b, start, r - start});
    next[b] = r;
    if (r < t.size()) heap.push({t[r], b});
  }
}

// Fallback for batches that are not sorted internally: a full sort of (time, batch, row).
void FlushView::SortBatchByPermutation() {
  std::vector<std::tuple<int64_t, uint32_t, uint32_t>> rows;
  for (uint32_t b = 0; b < batches_.size(); ++b) {
    const auto& t = batches_[b].time_us;
    for (uint32_t r = 0; r < t.size(); ++r) rows.emplace_back(t[r], b, r);
  }
  std::sort(rows.begin(), rows.end());
  for (const auto& [t, b, r] : rows) {
    if (!runs_.empty() && runs_.back().batch == b && runs_.back().row + runs_.back().len == r) {
      ++runs_.back().len;
    } else {
      runs_.push_back({b, r, 1});
    }
  }
}

// Splits runs at hour boundaries and groups them into one slice per hour (times are sorted,
// so each hour's rows are contiguous).
void FlushView::SplitHours() {
  std::vector<RowRun> split;
  for (const RowRun& run : runs_) {
    const auto& t = batches_[run.batch].time_us;
    uint32_t begin = run.row;
    const uint32_t end = run.row + run.len;
    while (begin < end) {
      const int64_t hour = HourOf(t[begin]);
      uint32_t stop = begin + 1;
      if (HourOf(t[end - 1]) == hour) {
        stop = end;
      } else {
        while (stop < end && HourOf(t[stop]) == hour) ++stop;
      }
      split.push_back({run.batch, begin, stop - begin});
      if (hours_.empty() || hours_.back().hour != hour) {
        hours_.push_back({hour, split.size() - 1, split.size() - 1, 0});
      }
      hours_.back().run_end = split.size();
      hours_.back().rows += stop - begin;
      begin = stop;
    }
  }
  runs_ = std::move(split);
}

std::vector<std::vector<Batch>> SplitBySchema(std::vector<Batch> batches) {
  struct Group {
    std::vector<SchemaColumn> schema;
    std::vector<Batch> batches;
  };
  std::vector<Group> groups;
  for (Batch& b : batches) {
    Group* home = nullptr;
    for (Group& g : groups) {
      const bool fits = std::all_of(b.columns.begin(), b.columns.end(), [&](const Column& c) {
        return std::all_of(g.schema.begin(), g.schema.end(), [&](const SchemaColumn& s) {
          return !EqualsIgnoringCase(s.name, c.name()) ||
                 (s.type == c.type() && s.is_tag == c.is_tag());
        });
      });
      if (fits) {
        home = &g;
        break;
      }
    }
    if (home == nullptr) home = &groups.emplace_back();
    for (const Column& c : b.columns) {
      auto same = [&](const SchemaColumn& s) { return EqualsIgnoringCase(s.name, c.name()); };
      if (std::none_of(home->schema.begin(), home->schema.end(), same)) {
        home->schema.push_back({c.name(), c.type(), c.is_tag()});
      }
    }
    home->batches.push_back(std::move(b));
  }
  // Groups with text columns first: UNION ALL BY NAME widens pair by pair from the left, and
  // an integer meeting a double before it meets text would read "1.0" instead of "1"; text
  // first casts every other group straight to text, as read_parquet's union_by_name does, so
  // the answer no longer depends on which worker buffered which row.
  auto text_columns = [](const Group& g) {
    return std::count_if(g.schema.begin(), g.schema.end(),
                         [](const SchemaColumn& s) { return s.type == ColumnType::kString; });
  };
  std::stable_sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
    return text_columns(a) > text_columns(b);
  });
  std::vector<std::vector<Batch>> out;
  for (Group& g : groups) out.push_back(std::move(g.batches));
  return out;
}

std::string FlushView::TagList() const {
  std::string tags;
  for (const SchemaColumn& c : schema_) {
    if (c.is_tag) tags += (tags.empty() ? "" : ",") + c.name;
  }
  return tags;
}

}  // namespace arc
