// Arrow IPC vs JSON for one large result, side by side in one run (bench/arrow.sh documents it).
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';

// apache-arrow is installed for the tests (tests/arrow, by scripts/setup.sh).
const { tableFromIPC } = createRequire(new URL('../tests/arrow/package.json', import.meta.url))('apache-arrow');

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROWS = arg('rows', 1000000);
const RUNS = arg('runs', 3);
const PORT = arg('port', 18765);
const BINARY = process.env.ARC_BINARY ?? 'build/arc';
const base = `http://127.0.0.1:${PORT}`;
const headers = { 'x-arc-database': 'bench', 'content-type': 'application/json' };
const SQL = 'SELECT time, host, usage, count, state, up FROM cpu';

async function waitFor(fn, what, seconds = 120) {
  const end = Date.now() + seconds * 1000;
  for (;;) {
    try { if (await fn()) return; } catch { /* not up yet */ }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function lines(from, to) {
  const out = [];
  const states = ['ok', 'warn', 'fail'];
  for (let i = from; i < to; i += 1) {
    const t = 1700000000000000000n + BigInt(i) * 1000000n;
    out.push(`cpu,host=host-${i % 100} usage=${(i % 1000) / 10},count=${i}i,state="${states[i % 3]}",up=${i % 2 === 0} ${t}`);
  }
  return out.join('\n');
}

async function load() {
  const gen0 = process.cpuUsage();
  const t0 = Date.now();
  for (let from = 0; from < ROWS; from += 50000) {
    const r = await fetch(`${base}/api/v1/write/line-protocol`, {
      method: 'POST', headers: { 'x-arc-database': 'bench' }, body: lines(from, Math.min(ROWS, from + 50000)),
    });
    if (r.status !== 204) throw new Error(`write: ${r.status} ${await r.text()}`);
  }
  const gen = process.cpuUsage(gen0);
  console.log(`loaded ${ROWS} rows in ${(Date.now() - t0) / 1000} s (load generator CPU ${((gen.user + gen.system) / 1e6).toFixed(1)} s)`);
  await waitFor(async () => {
    const r = await fetch(`${base}/api/v1/query`, { method: 'POST', headers, body: JSON.stringify({ sql: 'SELECT count(*) FROM cpu' }) });
    return (await r.json()).data[0][0] === ROWS;
  }, 'every row to be counted');
  // Flushed to Parquet, so both formats read the same files.
  await waitFor(async () => {
    const r = await fetch(`${base}/api/v1/query`, { method: 'POST', headers, body: JSON.stringify({ sql: 'SELECT count(*) FROM cpu' }) });
    return (await r.json()).files_read > 0;
  }, 'the rows to be flushed');
}

// POSTs `body` to `path` with node:http (undici's fetch reads large bodies several times more
// slowly); resolves with the status and the whole answer as one Buffer.
function post(path, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: PORT, path, method: 'POST', headers }, (res) => {
      const parts = [];
      res.on('data', (d) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// One timed query: seconds to receive the whole answer, and to receive and decode it.
async function timed(format) {
  const t0 = process.hrtime.bigint();
  const path = format === 'arrow' ? '/api/v1/query/arrow' : '/api/v1/query';
  const r = await post(path, JSON.stringify({ sql: SQL }));
  if (r.status !== 200) throw new Error(`${format}: ${r.status} ${r.body.toString().slice(0, 300)}`);
  const t1 = process.hrtime.bigint();
  const rows = format === 'arrow' ? tableFromIPC(r.body).numRows : JSON.parse(r.body.toString()).data.length;
  const t2 = process.hrtime.bigint();
  if (rows !== ROWS) throw new Error(`${format}: ${rows} rows, expected ${ROWS}`);
  return { transfer: Number(t1 - t0) / 1e9, decoded: Number(t2 - t0) / 1e9, bytes: r.body.length };
}

// The same query fetched by curl into /dev/null: the server's own pace, with a client that
// costs next to nothing (curl's time_total, seconds).
function curlSeconds(format) {
  const path = format === 'arrow' ? '/api/v1/query/arrow' : '/api/v1/query';
  const out = execFileSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{time_total}', '-X', 'POST',
    '-H', 'x-arc-database: bench', '-d', JSON.stringify({ sql: SQL }), `${base}${path}`]).toString();
  const [code, seconds] = out.trim().split(' ');
  if (code !== '200') throw new Error(`curl ${format}: ${code}`);
  return Number(seconds);
}

const dir = mkdtempSync(join(tmpdir(), 'arc-arrow-bench-'));
writeFileSync(join(dir, 'arc.conf'), `[server]\nport = ${PORT}\n[storage]\nlocal_path = "${dir}/data"\n` +
  `[wal]\ndir = "${dir}/wal"\n[auth]\nenabled = false\n[ingest]\nmax_buffer_age_ms = 1000\n` +
  `[query]\nmax_rows = ${ROWS}\nmax_result_bytes = "2GB"\n`);
const server = spawn(BINARY, ['--config', join(dir, 'arc.conf')], { stdio: ['ignore', 'ignore', 'inherit'] });
try {
  await waitFor(async () => (await fetch(`${base}/ready`)).status === 200, 'the server');
  await load();
  for (const f of ['arrow', 'json']) await timed(f);  // warm the read cache and the workers
  const results = { arrow: [], json: [] };
  for (let run = 0; run < RUNS; run += 1) {
    const order = run % 2 === 0 ? ['arrow', 'json'] : ['json', 'arrow'];
    for (const f of order) results[f].push({ ...(await timed(f)), curl: curlSeconds(f) });
    const a = results.arrow[run];
    const j = results.json[run];
    console.log(`run ${run + 1}: curl: arrow ${(ROWS / a.curl / 1e6).toFixed(2)} M rows/s, json ` +
      `${(ROWS / j.curl / 1e6).toFixed(2)} M rows/s, ratio ${(j.curl / a.curl).toFixed(1)}x`);
    console.log(`run ${run + 1}: arrow ${(ROWS / a.transfer / 1e6).toFixed(2)} M rows/s received, ` +
      `${(ROWS / a.decoded / 1e6).toFixed(2)} decoded (${a.bytes} bytes); json ` +
      `${(ROWS / j.transfer / 1e6).toFixed(2)} received, ${(ROWS / j.decoded / 1e6).toFixed(2)} decoded ` +
      `(${j.bytes} bytes); ratio ${(j.transfer / a.transfer).toFixed(1)}x received, ` +
      `${(j.decoded / a.decoded).toFixed(1)}x decoded`);
  }
  const range = (xs) => `${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)}`;
  const ratios = (k) => results.arrow.map((a, i) => results.json[i][k] / a[k]);
  const rate = (f, k) => results[f].map((r) => ROWS / r[k] / 1e6);
  console.log(`Arrow/JSON over ${RUNS} runs of ${ROWS} rows: curl ${range(ratios('curl'))}x ` +
    `(arrow ${range(rate('arrow', 'curl'))} M rows/s, json ${range(rate('json', 'curl'))}); ` +
    `Node.js received ${range(ratios('transfer'))}x, received and decoded ${range(ratios('decoded'))}x ` +
    `(arrow ${range(rate('arrow', 'decoded'))} M rows/s, json ${range(rate('json', 'decoded'))})`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
