// Reads a Parquet file with hyparquet (an independent, pure JavaScript reader) and prints
// what a test compares: the schema, the key-value metadata, per-chunk statistics and every
// row. 64-bit integers and timestamps are printed as decimal strings (exact; timestamp
// statistics to the millisecond).
//   node read_parquet.mjs <file.parquet>
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'

const file = await asyncBufferFromFile(process.argv[2])
const metadata = await parquetMetadataAsync(file)
const exact = v => (typeof v === 'bigint' ? v.toString() : v)
// hyparquet turns timestamp statistics into Dates (millisecond precision): printed as µs.
const stat = v => (v instanceof Date ? String(BigInt(v.getTime()) * 1000n) : exact(v))
const rows = await parquetReadObjects({
  file,
  metadata,
  parsers: { timestampFromMicroseconds: v => v.toString() },
})
const out = {
  num_rows: exact(metadata.num_rows),
  created_by: metadata.created_by,
  kv: Object.fromEntries((metadata.key_value_metadata || []).map(kv => [kv.key, kv.value])),
  schema: metadata.schema.slice(1).map(e => ({
    name: e.name,
    type: e.type,
    repetition: e.repetition_type,
    logical: e.logical_type ? e.logical_type.type : null,
  })),
  chunks: metadata.row_groups.flatMap(rg => rg.columns.map(c => ({
    column: c.meta_data.path_in_schema.join('.'),
    codec: c.meta_data.codec,
    encodings: c.meta_data.encodings,
    null_count: exact(c.meta_data.statistics?.null_count),
    min: stat(c.meta_data.statistics?.min_value),
    max: stat(c.meta_data.statistics?.max_value),
  }))),
  rows: rows.map(r => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, exact(v)]))),
}
process.stdout.write(JSON.stringify(out, (k, v) => (typeof v === 'bigint' ? v.toString() : v)))
