// FlushView: a set of batches' rows in time order, as runs of consecutive rows of one batch,
// split into one slice per UTC hour. Sorting is a k-way merge of the batches (usually each
// already sorted), so data that arrives in order costs one pass and no copying.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ingest/batch.h"
#include "ingest/time_units.h"

namespace arc {

struct SchemaColumn {
  std::string name;
  ColumnType type;
  bool is_tag;
};

struct RowRun {
  uint32_t batch;
  uint32_t row;   // first row in the batch
  uint32_t len;
};

struct HourSlice {
  int64_t hour;        // hours since the epoch (UTC)
  size_t run_begin;    // runs()[run_begin, run_end)
  size_t run_end;
  size_t rows;
};

// Immutable after construction; safe to read from several threads. `batches` (one
// measurement's; column types agree across them) must outlive the view.
class FlushView {
 public:
  explicit FlushView(const std::vector<Batch>& batches);

  const std::vector<Batch>& batches() const { return batches_; }
  // The union of the batches' columns, first spelling first (names match ignoring case).
  const std::vector<SchemaColumn>& schema() const { return schema_; }
  // column_map()[b][i]: the index in batch b of schema column i, or -1.
  const std::vector<std::vector<int>>& column_map() const { return column_map_; }
  const std::vector<RowRun>& runs() const { return runs_; }
  const std::vector<HourSlice>& hours() const { return hours_; }
  // Comma-separated tag column names, for the arc:tags metadata.
  std::string TagList() const;
  // False when two batches give one column (names match ignoring case) different types or
  // tag-ness; such a view must not be scanned (the engine would meet a vector of the wrong
  // type). Buffers never build one; SplitBySchema separates them.
  bool consistent() const { return consistent_; }

 private:
  void BuildSchema();
  void BuildRuns();
  void SortBatchByPermutation();
  void SplitHours();

  const std::vector<Batch>& batches_;
  std::vector<SchemaColumn> schema_;
  std::vector<std::vector<int>> column_map_;
  std::vector<RowRun> runs_;
  std::vector<HourSlice> hours_;
  bool consistent_ = true;
};

// Groups `batches` so that within each group every column has one type and tag-ness (a type
// change between requests that are both still in memory makes two groups). Order is kept
// within a group.
std::vector<std::vector<Batch>> SplitBySchema(std::vector<Batch> batches);

}  // namespace arc
