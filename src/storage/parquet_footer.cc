#include "storage/parquet_footer.h"

#include "common/version.h"
#include "storage/thrift_compact.h"

namespace arc::parquet {
namespace {

void PutSchema(const FlushView& view, ThriftWriter* t) {
  t->ListField(2, ThriftType::kStruct, static_cast<uint32_t>(view.schema().size() + 2));
  t->BeginStruct();
  t->BinaryField(4, "schema");
  t->I32Field(5, static_cast<int32_t>(view.schema().size() + 1));
  t->EndStruct();
  t->BeginStruct();  // time: TIMESTAMP(isAdjustedToUTC, MICROS)
  t->I32Field(1, kInt64);
  t->I32Field(3, kRequired);
  t->BinaryField(4, "time");
  t->I32Field(6, kTimestampMicros);
  t->StructField(10);
  t->StructField(8);
  t->BoolField(1, true);
  t->StructField(2);
  t->StructField(2);
  t->EndStruct();
  t->EndStruct();
  t->EndStruct();
  t->EndStruct();
  t->EndStruct();
  for (const SchemaColumn& c : view.schema()) {
    t->BeginStruct();
    t->I32Field(1, PhysicalOf(c.type));
    t->I32Field(3, kOptional);
    t->BinaryField(4, c.name);
    if (c.type == ColumnType::kString) {
      t->I32Field(6, kUtf8);
      t->StructField(10);
      t->StructField(1);
      t->EndStruct();
      t->EndStruct();
    }
    t->EndStruct();
  }
}

void PutRowGroup(const FlushView& view, const RowGroupMeta& rg, ThriftWriter* t) {
  t->BeginStruct();
  t->ListField(1, ThriftType::kStruct, static_cast<uint32_t>(rg.chunks.size()));
  int64_t uncompressed = 0, compressed = 0;
  for (size_t i = 0; i < rg.chunks.size(); ++i) {
    const ChunkMeta& m = rg.chunks[i];
    uncompressed += m.uncompressed;
    compressed += m.compressed;
    t->BeginStruct();
    t->I64Field(2, m.dictionary_page_offset >= 0 ? m.dictionary_page_offset : m.data_page_offset);
    t->StructField(3);
    t->I32Field(1, m.physical);
    t->ListField(2, ThriftType::kI32, static_cast<uint32_t>(m.encodings.size()));
    for (int e : m.encodings) t->I32(e);
    t->ListField(3, ThriftType::kBinary, 1);
    t->Binary(i == 0 ? std::string_view("time") : std::string_view(view.schema()[i - 1].name));
    t->I32Field(4, m.codec);
    t->I64Field(5, m.num_values);
    t->I64Field(6, m.uncompressed);
    t->I64Field(7, m.compressed);
    t->I64Field(9, m.data_page_offset);
    if (m.dictionary_page_offset >= 0) t->I64Field(11, m.dictionary_page_offset);
    t->StructField(12);
    t->I64Field(3, m.null_count);
    if (m.has_min_max) {
      t->BinaryField(5, m.max);
      t->BinaryField(6, m.min);
    }
    t->EndStruct();
    t->EndStruct();
    t->EndStruct();
  }
  t->I64Field(2, uncompressed);
  t->I64Field(3, rg.rows);
  t->I64Field(5, rg.offset);
  t->I64Field(6, compressed);
  t->EndStruct();
}

}  // namespace

PhysicalType PhysicalOf(ColumnType t) {
  switch (t) {
    case ColumnType::kInt64: return kInt64;
    case ColumnType::kDouble: return kDouble;
    case ColumnType::kBool: return kBoolean;
    case ColumnType::kString: return kByteArray;
  }
  return kByteArray;
}

std::string EncodeFooter(const FlushView& view, const std::vector<RowGroupMeta>& row_groups, size_t rows) {
  std::string out;
  ThriftWriter t(&out);
  t.BeginStruct();
  t.I32Field(1, 1);
  PutSchema(view, &t);
  t.I64Field(3, static_cast<int64_t>(rows));
  t.ListField(4, ThriftType::kStruct, static_cast<uint32_t>(row_groups.size()));
  for (size_t i = 0; i < row_groups.size(); ++i) PutRowGroup(view, row_groups[i], &t);
  t.ListField(5, ThriftType::kStruct, 1);
  t.BeginStruct();
  t.BinaryField(1, "arc:tags");
  t.BinaryField(2, view.TagList());
  t.EndStruct();
  t.BinaryField(6, std::string("arc version ") + kArcVersion);
  // TYPE_ORDER for every column: readers may use min_value/max_value.
  t.ListField(7, ThriftType::kStruct, static_cast<uint32_t>(view.schema().size() + 1));
  for (size_t i = 0; i <= view.schema().size(); ++i) {
    t.BeginStruct();
    t.StructField(1);
    t.EndStruct();
    t.EndStruct();
  }
  t.EndStruct();
  return out;
}

}  // namespace arc::parquet
