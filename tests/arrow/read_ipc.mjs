// Reads an Arrow IPC stream (a file path, or standard input) with Apache Arrow's JavaScript
// library, independently of Arc's encoder, and prints what it decoded as one JSON object:
//   {"fields": [{"name", "type", "typeId", "nullable", "unit", "timezone", "bitWidth",
//    "isSigned", "precision"}], "num_rows", "batches", "rows": [[...], ...]}
// Values: integers and timestamps as decimal strings when they are 64-bit (BigInt), decimals
// as the string of their unscaled integer (scale in the field), binary as hex, the rest as
// JSON has them. `--summary` leaves the rows out and prints, per column, the
// null count instead. Exits 1 with the reader's message when the stream does not decode.
import { readFileSync } from 'node:fs';
import { RecordBatchReader } from 'apache-arrow';

const args = process.argv.slice(2);
const summary = args.includes('--summary');
const path = args.find((a) => !a.startsWith('--'));
const bytes = readFileSync(path ?? 0);

function plain(v) {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

try {
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  const fields = reader.schema.fields.map((f) => ({
    name: f.name, type: String(f.type), typeId: f.typeId, nullable: f.nullable,
    unit: f.type.unit, timezone: f.type.timezone, bitWidth: f.type.bitWidth,
    isSigned: f.type.isSigned, precision: f.type.precision, scale: f.type.scale,
  }));
  const rows = [];
  const nulls = fields.map(() => 0);
  let numRows = 0;
  let batches = 0;
  for (const batch of reader) {
    batches += 1;
    numRows += batch.numRows;
    for (let c = 0; c < fields.length; c += 1) nulls[c] += batch.getChildAt(c).nullCount;
    if (summary) continue;
    for (let r = 0; r < batch.numRows; r += 1) {
      rows.push(fields.map((f, c) => {
        const v = batch.getChildAt(c).get(r);
        return f.typeId === 7 && v !== null ? String(v) : plain(v);  // 7: Decimal
      }));
    }
  }
  const out = { fields, num_rows: numRows, batches, nulls };
  if (!summary) out.rows = rows;
  process.stdout.write(JSON.stringify(out) + '\n');
} catch (e) {
  process.stderr.write(`arrow reader: ${e.message}\n`);
  process.exit(1);
}
