#!/usr/bin/env python3
"""Differential test of Arc's InfluxDB 1.x /query endpoint against a real InfluxDB (1.6).

Usage:
  python3 tests/influx/influxql_diff_test.py [--verbose] [--only N[,M|A-B...]]
  python3 tests/influx/influxql_diff_test.py --oracle-only   # influxd alone: the corpus is valid
  python3 tests/influx/influxql_diff_test.py --self-check    # influxd against a second influxd

Starts influxd and arc (ARC_BINARY, default /work/main/build/arc) in fresh temp dirs, creates
database "diff" in both, writes the same line protocol to both, runs every statement of
corpus.txt (next to this file) against both and compares the answers: HTTP status, then the
JSON documents (one, or one per line for chunked answers): top-level "error" presence,
results[] element-wise (statement_id, "error" presence -- the texts may differ --, "partial"),
series in order (name, tags, columns, values). Numbers compare numerically (relative tolerance
1e-9, absolute 1e-9 near zero; int 2 equals float 2.0), times, strings, booleans and nulls
exactly; an absent "tags" equals {}; rows with equal times compare as a set (InfluxDB leaves
their order to its merge of series). Statements listed in known_differences.txt may differ;
any other difference fails (exit 1), as does a corpus of fewer than 100 statements.
Prints "influxql differential: I identical / T total (K known differences, F failures)".

corpus.txt: one statement per line ('#' starts a comment line). A line may start with options
in brackets, e.g. "[post,epoch=ms] SELECT ...":
  post      POST /query, q (and nothing else) in a form body; db etc. stay in the URL
  postdb    POST /query, q and db in the form body
  cli       what the influx CLI sends: POST /query?chunked=true&db=diff&epoch=ns&q=... (no body),
            Basic auth (arc: user "admin", password = token)
  basic     Basic auth instead of Bearer on the arc side
  chunked   chunked=true (the answer is one JSON document per line; compared line by line)
  pretty    pretty=true
  epoch=X   epoch=X (h, m, s, ms, u, ns)
  db=X      db=X instead of db=diff; nodb: no db parameter at all
  rp=X      rp=X
  error     InfluxDB is expected to answer with an error (a deliberate error case)
Statements on now() or on measurement "recent" are run a second time when the answers differ
(the two servers are asked at slightly different instants; a bucket boundary may pass between).
"""

import argparse
import base64
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, HERE)
import procs  # noqa: E402

DB = "diff"
TOKEN = "test-admin-token"
T0 = 1672531200  # 2023-01-01T00:00:00Z
MIN_STATEMENTS = 100
REL_TOL = 1e-9
ABS_TOL = 1e-9  # for values that should be 0 (differences of equal means summed in another order)


# --------------------------------------------------------------------------------------------
# Data set
# --------------------------------------------------------------------------------------------

def build_data(now_s):
    """Returns [(precision, [lines])]: the same points go to both servers."""
    rng = random.Random(20230101)
    batches = []

    # cpu: 3 hosts, 2 regions, every 60 s for 2 h (00:00 .. 01:59), floats + an int counter.
    # server02's counter resets at 01:00 (non_negative_derivative / difference).
    lines = []
    hosts = [("server01", "us-west"), ("server02", "us-west"), ("server03", "eu-central")]
    counters = {h: 1000 * (i + 1) for i, (h, _) in enumerate(hosts)}
    for i in range(120):
        t = T0 + 60 * i
        for h, region in hosts:
            user = round(rng.uniform(5, 95), 2)
            system = round(rng.uniform(1, 30), 2)
            if h == "server02" and i == 60:
                counters[h] = 7
            else:
                counters[h] += rng.choice([0, 5, 5, 10, 20])
            lines.append("cpu,host=%s,region=%s usage_user=%r,usage_system=%r,count=%di %d"
                         % (h, region, user, system, counters[h], t))
    # a few exact ties for min/max/mode selectors
    lines.append("cpu,host=server01,region=us-west usage_user=99.5,usage_system=0.5,count=5000i %d"
                 % (T0 + 7200 + 60))
    lines.append("cpu,host=server03,region=eu-central usage_user=99.5,usage_system=0.5,count=5000i %d"
                 % (T0 + 7200 + 120))
    batches.append(("s", lines))

    # mem: 2 hosts every 10 s for 2 h, ints + a float.
    lines = []
    for i in range(720):
        t = T0 + 10 * i
        for j, h in enumerate(["server01", "server02"]):
            used = 4000000 + 1000 * ((i * (j + 3)) % 97) + rng.randint(0, 999)
            free = 8000000 - used + rng.choice([0, 0, 100])
            pct = round(100.0 * used / (used + free), 4)
            lines.append("mem,host=%s used=%di,free=%di,pct=%r %d" % (h, used, free, pct, t))
    batches.append(("s", lines))

    # disk: 2 hosts x 2 paths every 5 min, a float and a string field.
    lines = []
    statuses = ["ok", "ok", "ok", "warn", "crit"]
    for i in range(24):
        t = T0 + 300 * i
        for h in ["server01", "server02"]:
            for p in ["/", "/var"]:
                used = round(rng.uniform(40, 99), 1)
                st = statuses[rng.randrange(len(statuses))]
                lines.append('disk,host=%s,path=%s used_pct=%r,status="%s" %d' % (h, p, used, st, t))
    batches.append(("s", lines))

    # temp: sparse. s1 every minute 00:00-00:20 and 00:50-01:00 and once at 01:40;
    # s2 every 5 min 00:00-00:30 and 01:30-01:55; points without a sensor tag at 00:15, 00:45, 01:15.
    lines = []
    for m in list(range(0, 21)) + list(range(50, 61)) + [100]:
        lines.append("temp,sensor=s1 value=%r %d" % (round(20 + 3 * math.sin(m / 7.0), 3), T0 + 60 * m))
    for m in list(range(0, 31, 5)) + list(range(90, 116, 5)):
        lines.append("temp,sensor=s2 value=%r %d" % (round(15 + m / 10.0, 2), T0 + 60 * m))
    for m in [15, 45, 75]:
        lines.append("temp value=%r %d" % (round(30 + m / 100.0, 2), T0 + 60 * m))
    batches.append(("s", lines))

    # bools: millisecond precision (times with .5 s fractions), a boolean and an int field.
    lines = []
    for i in range(40):
        t_ms = T0 * 1000 + 1500 * i
        for h in ["a", "b"]:
            state = "true" if (i * (2 if h == "a" else 3)) % 5 < 2 else "false"
            if i % 7 == 3:
                state = "t" if state == "true" else "F"  # alternative boolean spellings
            lines.append("bools,host=%s state=%s,n=%di %d" % (h, state, i % 4, t_ms))
    batches.append(("ms", lines))

    # recent: relative to now (rounded down to the minute): every 10 min from -2 h to -10 min,
    # plus one point 1 h in the future.
    now0 = now_s - now_s % 60
    lines = []
    for k in range(1, 13):
        for h in ["r1", "r2"]:
            lines.append("recent,host=%s v=%r %d" % (h, float(k * (2 if h == "r1" else 3)), now0 - 600 * k))
    lines.append("recent,host=r1 v=100.0 %d" % (now0 + 3600))
    batches.append(("s", lines))
    return batches


# --------------------------------------------------------------------------------------------
# Corpus
# --------------------------------------------------------------------------------------------

class Statement:
    def __init__(self, number, text, opts, lineno, raw):
        self.number = number
        self.text = text
        self.raw = raw  # the corpus line, options included
        self.opts = opts
        self.lineno = lineno

    @property
    def expect_error(self):
        return "error" in self.opts


OPT_RE = re.compile(r"^\[([^\]]*)\]\s*(.*)$")


def load_corpus(path):
    statements = []
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            opts = {}
            raw = line
            m = OPT_RE.match(line)
            if m:
                for o in m.group(1).split(","):
                    o = o.strip()
                    if not o:
                        continue
                    k, _, v = o.partition("=")
                    opts[k.strip()] = v.strip()
                line = m.group(2)
            statements.append(Statement(len(statements) + 1, line, opts, lineno, raw))
    return statements


def load_known(path):
    """known_differences.txt: '<number or exact statement> | <reason>' per line.

    A statement's text names every corpus line with that statement whatever its options; the
    whole corpus line ("[epoch=ms] SELECT ...") names that line alone.
    """
    by_number, by_text = {}, {}
    if not os.path.exists(path):
        return by_number, by_text
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            key, sep, reason = line.rpartition(" | ")
            if not sep:
                key, reason = line, ""
            key = key.strip()
            if key.isdigit():
                by_number[int(key)] = reason.strip()
            else:
                by_text[key] = reason.strip()
    return by_number, by_text


# --------------------------------------------------------------------------------------------
# Talking to a server
# --------------------------------------------------------------------------------------------

class Target:
    def __init__(self, name, url, token=None):
        self.name = name
        self.url = url
        self.token = token  # None: InfluxDB without auth

    def auth_headers(self, basic=False):
        if self.token is None:
            return {}
        if basic:
            cred = base64.b64encode(("admin:%s" % self.token).encode()).decode()
            return {"Authorization": "Basic " + cred}
        return {"Authorization": "Bearer " + self.token}

    def query(self, stmt):
        o = stmt.opts
        params = []
        if "cli" in o:
            params += [("chunked", "true"), ("db", DB), ("epoch", "ns"), ("q", stmt.text)]
            return procs.http("POST", self.url + "/query?" + urllib.parse.urlencode(params),
                              body=b"", headers=self.auth_headers(basic=True))
        form = []
        if "nodb" not in o:
            (form if "postdb" in o else params).append(("db", o.get("db") or DB))
        for k in ("rp", "epoch"):
            if o.get(k):
                params.append((k, o[k]))
        if "chunked" in o:
            params.append(("chunked", "true"))
        if "pretty" in o:
            params.append(("pretty", "true"))
        headers = self.auth_headers(basic="basic" in o)
        if "post" in o or "postdb" in o:
            form.append(("q", stmt.text))
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            url = self.url + "/query" + ("?" + urllib.parse.urlencode(params) if params else "")
            return procs.http("POST", url, body=urllib.parse.urlencode(form), headers=headers)
        params.append(("q", stmt.text))
        return procs.http("GET", self.url + "/query?" + urllib.parse.urlencode(params), headers=headers)

    def admin(self, q):
        h = self.auth_headers()
        h["Content-Type"] = "application/x-www-form-urlencoded"
        return procs.http("POST", self.url + "/query", body=urllib.parse.urlencode({"q": q}), headers=h)

    def write(self, precision, lines):
        h = self.auth_headers()
        h["Content-Type"] = "text/plain; charset=utf-8"
        return procs.http("POST", self.url + "/write?db=%s&precision=%s" % (DB, precision),
                          body="\n".join(lines) + "\n", headers=h)


# --------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------

def parse_answer(status, body):
    """Returns (status, [json documents] or None, text). Chunked answers hold several documents."""
    text = body.decode("utf-8", "replace")
    docs = []
    try:
        dec = json.JSONDecoder()
        i, n = 0, len(text)
        while i < n:
            while i < n and text[i] in " \t\r\n":
                i += 1
            if i >= n:
                break
            doc, i = dec.raw_decode(text, i)
            docs.append(doc)
    except ValueError:
        return status, None, text
    return status, docs, text


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def cell_diff(a, b, is_time):
    """None when equal, else a short description. a: InfluxDB's, b: ours.

    Times compare exactly (an epoch int must stay an int); other numbers numerically (int 2 ==
    float 2.0, relative tolerance REL_TOL); booleans, strings and nulls exactly.
    """
    if is_time or isinstance(a, bool) or isinstance(b, bool) or not (is_num(a) and is_num(b)):
        if type(a) is type(b) and a == b:
            return None
        return "%r vs %r" % (a, b)
    if math.isclose(float(a), float(b), rel_tol=REL_TOL, abs_tol=ABS_TOL):
        return None
    return "%r vs %r" % (a, b)


def _cell_key(v):
    if v is None:
        return (0, 0)
    if isinstance(v, bool):
        return (1, int(v))
    if is_num(v):
        return (2, float("%.9g" % v))
    return (3, str(v))


def sort_ties(rows):
    """Sorts each run of rows with the same time by value.

    InfluxDB does not define the order of rows with equal times: a raw query over several series
    without GROUP BY interleaves them at a timestamp in an internal merge order (server01,
    server03, server02 at one minute, server03, server02, server01 at the next), so such a run
    compares as a set. Rows with different times keep their order.
    """
    out, i = [], 0
    while i < len(rows):
        j = i + 1
        t = rows[i][0] if isinstance(rows[i], list) and rows[i] else None
        while j < len(rows) and isinstance(rows[j], list) and rows[j] and rows[j][0] == t and t is not None:
            j += 1
        group = rows[i:j]
        if len(group) > 1 and all(isinstance(r, list) for r in group):
            group = sorted(group, key=lambda r: [_cell_key(c) for c in r])
        out.extend(group)
        i = j
    return out


def series_diff(path, sa, sb, out):
    if not isinstance(sa, dict) or not isinstance(sb, dict):
        out.append("%s: series %r vs %r" % (path, sa, sb))
        return
    if sa.get("name") != sb.get("name"):
        out.append("%s: name %r vs %r" % (path, sa.get("name"), sb.get("name")))
    if (sa.get("tags") or {}) != (sb.get("tags") or {}):
        out.append("%s: tags %r vs %r" % (path, sa.get("tags"), sb.get("tags")))
    ca, cb = sa.get("columns"), sb.get("columns")
    if ca != cb:
        out.append("%s: columns %r vs %r" % (path, ca, cb))
        return
    va, vb = sa.get("values") or [], sb.get("values") or []
    if ca and ca[0] == "time":
        va, vb = sort_ties(va), sort_ties(vb)
    if len(va) != len(vb):
        out.append("%s: %d rows vs %d rows" % (path, len(va), len(vb)))
    if bool(sa.get("partial")) != bool(sb.get("partial")):
        out.append("%s: partial %r vs %r" % (path, sa.get("partial"), sb.get("partial")))
    shown = 0
    for r, (ra, rb) in enumerate(zip(va, vb)):
        if len(ra) != len(rb):
            out.append("%s row %d: %r vs %r" % (path, r, ra, rb))
            shown += 1
        else:
            for c, (x, y) in enumerate(zip(ra, rb)):
                d = cell_diff(x, y, is_time=(ca[c] == "time" if ca and c < len(ca) else False))
                if d:
                    out.append("%s row %d col %s: %s" % (path, r, ca[c] if ca and c < len(ca) else c, d))
                    shown += 1
                    break
        if shown >= 3:
            out.append("%s: ..." % path)
            break


def result_diff(path, ra, rb, out):
    if not isinstance(ra, dict) or not isinstance(rb, dict):
        out.append("%s: %r vs %r" % (path, ra, rb))
        return
    if ra.get("statement_id") != rb.get("statement_id"):
        out.append("%s: statement_id %r vs %r" % (path, ra.get("statement_id"), rb.get("statement_id")))
    ea, eb = "error" in ra, "error" in rb
    if ea != eb:
        out.append("%s: error %r vs %r" % (path, ra.get("error"), rb.get("error")))
        return
    if ea:
        return  # both errors: the texts may differ
    if bool(ra.get("partial")) != bool(rb.get("partial")):
        out.append("%s: partial %r vs %r" % (path, ra.get("partial"), rb.get("partial")))
    la, lb = ra.get("series") or [], rb.get("series") or []
    if len(la) != len(lb):
        out.append("%s: %d series %s vs %d series %s" % (
            path, len(la), [(s.get("name"), s.get("tags")) for s in la][:6],
            len(lb), [(s.get("name"), s.get("tags")) for s in lb if isinstance(s, dict)][:6]))
        return
    for i, (sa, sb) in enumerate(zip(la, lb)):
        series_diff("%s.series[%d]" % (path, i), sa, sb, out)


def compare(ans_a, ans_b):
    """ans: (status, docs or None, text). Returns a list of differences (empty: identical)."""
    sa, da, ta = ans_a
    sb, db, tb = ans_b
    out = []
    if sa != sb:
        out.append("HTTP %s vs %s" % (sa, sb))
    if da is None or db is None:
        if da is None and db is None:
            if ta != tb:
                out.append("non-JSON bodies differ: %r vs %r" % (ta[:200], tb[:200]))
        else:
            out.append("body %r vs %r" % (ta[:200], tb[:200]))
        return out
    if len(da) != len(db):
        out.append("%d JSON documents vs %d" % (len(da), len(db)))
    for k, (xa, xb) in enumerate(zip(da, db)):
        p = "doc[%d]" % k if len(da) > 1 else "answer"
        if not isinstance(xa, dict) or not isinstance(xb, dict):
            out.append("%s: %r vs %r" % (p, xa, xb))
            continue
        if ("error" in xa) != ("error" in xb):
            out.append("%s: top-level error %r vs %r" % (p, xa.get("error"), xb.get("error")))
            continue
        resa, resb = xa.get("results"), xb.get("results")
        if (resa is None) != (resb is None):
            out.append("%s: results %s vs %s" % (p, "present" if resa is not None else "absent",
                                                 "present" if resb is not None else "absent"))
            continue
        if resa is None:
            continue
        if len(resa) != len(resb):
            out.append("%s: %d results vs %d" % (p, len(resa), len(resb)))
        for i, (x, y) in enumerate(zip(resa, resb)):
            result_diff("%s.results[%d]" % (p, i), x, y, out)
    return out


def answer_errors(ans):
    """Errors in an answer: HTTP status >= 400, a top-level error, a statement error."""
    status, docs, text = ans
    errs = []
    if status >= 400 or status == 0:
        errs.append("HTTP %s" % status)
    if docs is None:
        errs.append("not JSON: %r" % text[:200])
        return errs
    for d in docs:
        if isinstance(d, dict):
            if "error" in d:
                errs.append("error: %s" % d["error"])
            for r in d.get("results") or []:
                if isinstance(r, dict) and "error" in r:
                    errs.append("statement %s error: %s" % (r.get("statement_id"), r["error"]))
    return errs


def compact(text, limit=4000):
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + "... (%d chars)" % len(text)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------

def select_numbers(spec, total):
    if not spec:
        return set(range(1, total + 1))
    nums = set()
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            a, b = part.split("-", 1)
            nums.update(range(int(a), int(b) + 1))
        elif part:
            nums.add(int(part))
    return nums


def setup_target(target, batches, log):
    st, _, body = target.admin("CREATE DATABASE %s" % DB)
    log("%s: CREATE DATABASE %s -> HTTP %s %s" % (target.name, DB, st, body.decode("utf-8", "replace").strip()[:200]))
    ok = st == 200
    for precision, lines in batches:
        st, _, body = target.write(precision, lines)
        if st != 204:
            ok = False
            log("%s: write of %d lines (precision=%s) -> HTTP %s %s" % (
                target.name, len(lines), precision, st, body.decode("utf-8", "replace")[:300]))
    return ok


def check_arc_rows(target, batches):
    """Counts each measurement's rows through Arc's SQL API: the data set arrived whole."""
    want = {}
    for _precision, lines in batches:
        for line in lines:
            m = line.split(",", 1)[0].split(" ", 1)[0]
            want[m] = want.get(m, 0) + 1
    got = {}
    for m in sorted(want):
        h = target.auth_headers()
        h.update({"x-arc-database": DB, "Content-Type": "application/json"})
        st, _, body = procs.http("POST", target.url + "/api/v1/query",
                                 body=json.dumps({"sql": "SELECT count(*) FROM %s" % m}), headers=h)
        try:
            got[m] = json.loads(body)["data"][0][0] if st == 200 else "HTTP %s" % st
        except (ValueError, KeyError, IndexError, TypeError):
            got[m] = "?"
    bad = {m: (want[m], got[m]) for m in want if got[m] != want[m]}
    if bad:
        print("WARNING: arc row counts differ from the points written (written, stored): %r" % bad)
    else:
        print("arc: all %d points stored (SQL count per measurement)" % sum(want.values()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--verbose", "-v", action="store_true", help="print both JSON answers of a difference")
    ap.add_argument("--only", help="statement numbers to run: N, N,M, A-B")
    ap.add_argument("--oracle-only", action="store_true", help="run the corpus against influxd alone")
    ap.add_argument("--self-check", action="store_true", help="compare influxd with a second influxd")
    ap.add_argument("--corpus", default=os.path.join(HERE, "corpus.txt"))
    ap.add_argument("--known", default=os.path.join(HERE, "known_differences.txt"))
    ap.add_argument("--keep", action="store_true", help="keep the temp dirs (printed) for inspection")
    ap.add_argument("--dump", action="store_true", help="print InfluxDB's answer of every statement run")
    args = ap.parse_args()

    started = time.time()
    corpus = load_corpus(args.corpus)
    known_num, known_text = load_known(args.known)
    wanted = select_numbers(args.only, len(corpus))
    run = [s for s in corpus if s.number in wanted]

    tmp = tempfile.mkdtemp(prefix="influxql-diff-")
    servers = []
    rc = 1
    try:
        influx = procs.start_influxd(os.path.join(tmp, "influxd"))
        servers.append(influx)
        a = Target("influxdb", influx.url)
        if args.oracle_only:
            b = None
        elif args.self_check:
            influx2 = procs.start_influxd(os.path.join(tmp, "influxd2"))
            servers.append(influx2)
            b = Target("influxdb-2", influx2.url)
        else:
            arc = procs.start_arc(os.path.join(tmp, "arc"), token=TOKEN)
            servers.append(arc)
            b = Target("arc", arc.url, token=TOKEN)
        batches = build_data(int(time.time()))
        npoints = sum(len(l) for _, l in batches)
        ok = setup_target(a, batches, print)
        if not ok:
            print("FAIL: could not set up InfluxDB")
            return 1
        if b is not None:
            if not setup_target(b, batches, print):
                print("WARNING: %s set-up failed (see above); comparing anyway" % b.name)
            if b.name == "arc":
                st, hd, body = procs.http("GET", b.url + "/ping")
                print("arc: GET /ping -> HTTP %s (X-Influxdb-Version: %s)" % (st, hd.get("x-influxdb-version")))
                check_arc_rows(b, batches)
                st, _, body = procs.http("GET", b.url + "/query?" + urllib.parse.urlencode(
                    {"db": DB, "q": "SHOW DATABASES"}), headers=b.auth_headers())
                if st == 404:
                    print("NOTE: arc answers GET /query with 404 (%s): the endpoint does not exist yet"
                          % body.decode("utf-8", "replace").strip()[:100])
        print("data: %d points written; %d statements in the corpus, running %d" % (npoints, len(corpus), len(run)))

        identical = known = failures = 0
        stale_known = []
        for s in run:
            ans_a = parse_answer(*_status_body(a.query(s)))
            if args.dump:
                print("#%d %s\n  %s" % (s.number, s.text, compact(ans_a[2], 2000)))
            errs = answer_errors(ans_a)
            if b is None:
                if s.expect_error and not errs:
                    failures += 1
                    print("FAIL #%d (line %d): expected an error from InfluxDB, got %s\n    %s" % (
                        s.number, s.lineno, compact(ans_a[2], 300), s.text))
                elif not s.expect_error and errs:
                    failures += 1
                    print("FAIL #%d (line %d): %s\n    %s" % (s.number, s.lineno, "; ".join(errs)[:400], s.text))
                else:
                    identical += 1
                    if args.verbose:
                        print("ok   #%d %s -> %s" % (s.number, s.text, compact(ans_a[2], 300)))
                continue
            ans_b = parse_answer(*_status_body(b.query(s)))
            diffs = compare(ans_a, ans_b)
            if diffs and ("now()" in s.text.lower() or "recent" in s.text):
                time.sleep(0.2)
                ans_a = parse_answer(*_status_body(a.query(s)))
                ans_b = parse_answer(*_status_body(b.query(s)))
                diffs = compare(ans_a, ans_b)
            if s.expect_error and not errs:
                print("NOTE #%d: marked [error] but InfluxDB answered without error" % s.number)
            known_reason = known_num.get(s.number, known_text.get(s.raw, known_text.get(s.text)))
            is_known = known_reason is not None
            if not diffs:
                identical += 1
                if is_known:
                    stale_known.append(s.number)
                if args.verbose:
                    print("same #%d %s" % (s.number, s.text))
                continue
            if is_known:
                known += 1
                tag = "KNOWN"
            else:
                failures += 1
                tag = "DIFF "
            print("%s #%d (line %d) %s\n    %s" % (tag, s.number, s.lineno, s.text, "\n    ".join(diffs[:8])))
            if is_known:
                print("    known: %s" % known_reason)
            if args.verbose:
                print("    influxdb: %s\n    %s: %s" % (compact(ans_a[2]), b.name, compact(ans_b[2])))
        total = len(run)
        for n in stale_known:
            print("note: #%d is listed in known_differences.txt but the answers are identical" % n)
        if b is None:
            print("influxql oracle-only: %d ok / %d total (%d failures) in %.1f s"
                  % (identical, total, failures, time.time() - started))
        else:
            print("influxql differential: %d identical / %d total (%d known differences, %d failures)"
                  % (identical, total, known, failures))
            print("run time %.1f s" % (time.time() - started))
        if args.only is None and total < MIN_STATEMENTS:
            print("FAIL: the corpus has %d statements, fewer than %d" % (total, MIN_STATEMENTS))
            failures += 1
        rc = 0 if failures == 0 else 1
        return rc
    finally:
        for srv in reversed(servers):
            try:
                srv.stop()
            except Exception as e:  # pragma: no cover
                print("warning: stopping a server: %s" % e)
        if args.keep:
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def _status_body(resp):
    status, _headers, body = resp
    return status, body


if __name__ == "__main__":
    # SIGTERM: unwind through main()'s finally so the servers are stopped and the temp dirs removed.
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sys.exit(main())
