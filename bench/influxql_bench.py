#!/usr/bin/python3
"""One InfluxQL query on Arc and on InfluxDB 1.x, side by side: see bench/influxql.sh."""

import argparse
import http.client
import json
import os
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "influx"))
import procs  # noqa: E402

DB = "bench"
TOKEN = "influxql-bench-token"
START = 1699999200  # 2023-11-14 22:00:00 UTC, a whole hour (and minute)
CLK = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(msg, flush=True)


# --------------------------------------------------------------------------------------------
# processes: CPU seconds of a server and its children (Arc's query workers), idle detection

def _children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    st = f.read()
                ppid = int(st[st.rindex(")") + 2:].split()[1])
                kids.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError):
                pass
    return kids


def tree_cpu(pid):
    """utime+stime (s) of pid and its living descendants, plus what it reaped (cutime+cstime)."""
    kids, total, todo = _children_map(), 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15]) / CLK  # utime stime cutime cstime
        except OSError:
            continue
        todo.extend(kids.get(p, []))
    return total


def tree_rss_mb(pid):
    kids, total, todo = _children_map(), 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
        todo.extend(kids.get(p, []))
    return total / 1024.0


def wait_idle(name, pid, max_seconds=300, window=3.0, threshold=0.05):
    """Waits until pid's tree used < threshold of a core over `window` seconds."""
    t0 = time.time()
    while time.time() - t0 < max_seconds:
        c0 = tree_cpu(pid)
        time.sleep(window)
        if (tree_cpu(pid) - c0) / window < threshold:
            return time.time() - t0
    log("  %s still busy after %d s; going on" % (name, max_seconds))
    return time.time() - t0


# --------------------------------------------------------------------------------------------
# data and load

def make_batches(points, hosts, batch):
    """Line protocol, time-major (every host at each second), `batch` lines a request."""
    per_host = points // hosts
    names = ["host-%02d" % h for h in range(hosts)]
    lines_per_sec = hosts
    secs_per_batch = max(1, batch // lines_per_sec)
    out = []
    for s0 in range(0, per_host, secs_per_batch):
        parts = []
        for s in range(s0, min(per_host, s0 + secs_per_batch)):
            ts = START + s
            for h, name in enumerate(names):
                v = (s * 7919 + h * 104729) % 10000  # usage in 0.00 .. 99.99, exact in text
                parts.append("cpu,host=%s usage=%d.%02d %d" % (name, v // 100, v % 100, ts))
        out.append(("\n".join(parts) + "\n").encode())
    return out, per_host * hosts


def load(name, url, path, headers, batches, writers):
    """POSTs every batch with `writers` keep-alive connections; returns (seconds, retries)."""
    host, port = urllib.parse.urlsplit(url).netloc.split(":")
    idx = {"next": 0, "retries": 0, "error": None}
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(host, int(port), timeout=120)
        while True:
            with lock:
                if idx["next"] >= len(batches) or idx["error"]:
                    break
                i = idx["next"]
                idx["next"] += 1
            for attempt in range(200):
                try:
                    conn.request("POST", path, body=batches[i], headers=headers)
                    resp = conn.getresponse()
                    body = resp.read()
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection(host, int(port), timeout=120)
                    status, body = -1, b""
                else:
                    status = resp.status
                if status == 204:
                    break
                if status in (429, 503, -1):
                    with lock:
                        idx["retries"] += 1
                    time.sleep(float(resp.getheader("Retry-After") or 0.2) if status > 0 else 0.2)
                    continue
                with lock:
                    idx["error"] = "%s: batch %d -> %s %s" % (name, i, status, body[:300])
                return
            else:
                with lock:
                    idx["error"] = "%s: batch %d kept being refused" % (name, i)
                return
        conn.close()

    t0 = time.time()
    threads = [threading.Thread(target=worker) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if idx["error"]:
        raise RuntimeError(idx["error"])
    return time.time() - t0, idx["retries"]


def request(url, method, path, body=None, headers=None, timeout=600):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def arc_sql(arc, sql, timeout=600):
    status, body = request(arc.url, "POST", "/api/v1/query", body=json.dumps({"sql": sql}),
                           headers={"Authorization": "Bearer " + TOKEN, "x-arc-database": DB,
                                    "Content-Type": "application/json"}, timeout=timeout)
    if status != 200:
        raise RuntimeError("arc /api/v1/query %s: %s" % (status, body[:500]))
    return json.loads(body)


def influx_get(url, q, auth=None, timeout=600, epoch="ms"):
    path = "/query?" + urllib.parse.urlencode({"db": DB, "epoch": epoch, "q": q})
    headers = {"Authorization": "Token " + auth} if auth else {}
    return request(url, "GET", path, headers=headers, timeout=timeout)


def wait_count(name, fn, want, max_seconds=600):
    t0, got = time.time(), None
    while time.time() - t0 < max_seconds:
        try:
            got = fn()
        except Exception as e:  # noqa: BLE001 - keep polling
            got = "error: %s" % e
        if got == want:
            return time.time() - t0
        time.sleep(1)
    raise RuntimeError("%s has %r points after %d s, want %d" % (name, got, max_seconds, want))


def influx_count(url):
    status, body = influx_get(url, "SELECT count(usage) FROM cpu")
    doc = json.loads(body)
    series = doc["results"][0].get("series")
    return series[0]["values"][0][1] if series else 0


# --------------------------------------------------------------------------------------------
# the query

def iso(sec):
    return datetime.fromtimestamp(sec, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S+00")


def parse_influx(body):
    """InfluxDB JSON (epoch=ms) -> {host: [(ms, mean), ...]}."""
    doc = json.loads(body)
    res = doc["results"][0]
    if "error" in res:
        raise RuntimeError(res["error"])
    out = {}
    for s in res.get("series", []):
        out[s["tags"]["host"]] = [(int(r[0]), r[1]) for r in s["values"]]
    return out


def parse_arc_sql(body):
    doc = json.loads(body)
    if not doc.get("success"):
        raise RuntimeError(doc.get("error"))
    out = {}
    for t, host, mean in doc["data"]:
        if isinstance(t, str):
            dt = datetime.fromisoformat(t.replace("Z", "+00:00"))
            ms = int(round(dt.timestamp() * 1000))
        else:
            ms = int(t)
        out.setdefault(host, []).append((ms, mean))
    return out


def compare(a, b):
    """Problems between two answers: hosts, buckets per host, and a sample of values."""
    problems = []
    if sorted(a) != sorted(b):
        return ["hosts differ: %s vs %s" % (sorted(a)[:5], sorted(b)[:5])], 0
    compared = 0
    for h in sorted(a):
        ra, rb = a[h], b[h]
        if len(ra) != len(rb):
            problems.append("%s: %d vs %d buckets" % (h, len(ra), len(rb)))
            continue
        if [r[0] for r in ra] != [r[0] for r in rb]:
            problems.append("%s: bucket times differ" % h)
            continue
        n = len(ra)
        for i in sorted({0, 1, n // 3, n // 2, (2 * n) // 3, n - 2, n - 1}):
            if 0 <= i < n:
                x, y = ra[i][1], rb[i][1]
                compared += 1
                if (x is None) != (y is None) or (x is not None and abs(x - y) > 1e-9 * max(1.0, abs(x))):
                    problems.append("%s bucket %d (%d ms): %r vs %r" % (h, i, ra[i][0], x, y))
    return problems, compared


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=10_000_000)
    ap.add_argument("--hosts", type=int, default=10)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()

    arc_binary = os.environ.get("ARC_BINARY", os.path.join(REPO, "build", "arc"))
    os.environ["ARC_BINARY"] = arc_binary
    work = tempfile.mkdtemp(prefix="arc-influxql-bench-")
    influxd = arc = None
    log("machine: %d cores; arc %s; influxd %s" % (os.cpu_count(), arc_binary,
                                                   os.popen("influxd version 2>&1").read().strip()))
    try:
        t = time.time()
        ru = resource.getrusage(resource.RUSAGE_SELF)
        batches, total = make_batches(args.points, args.hosts, args.batch)
        ru2 = resource.getrusage(resource.RUSAGE_SELF)
        mb = sum(len(b) for b in batches) / 1e6
        log("data: %d points = %d hosts x %d s at 1 s spacing from %s, %d batches of ~%d lines, "
            "%.0f MB of line protocol, generated in %.1f s (%.1f CPU s, not in the load times)"
            % (total, args.hosts, total // args.hosts, iso(START), len(batches), args.batch, mb,
               time.time() - t, ru2.ru_utime + ru2.ru_stime - ru.ru_utime - ru.ru_stime))
        span = total // args.hosts
        a, b = START, START + span
        q = "SELECT mean(usage) FROM cpu WHERE time >= %ds AND time < %ds GROUP BY time(1m), host" % (a, b)
        sql = ("SELECT time_bucket(INTERVAL 1 minute, time) AS t, host, avg(usage) FROM cpu "
               "WHERE time >= '%s' AND time < '%s' GROUP BY ALL ORDER BY host, t" % (iso(a), iso(b)))
        expected_buckets = -(-span // 60)

        results = {}
        # ---- InfluxDB: load first, then let it settle while Arc is not running yet
        influxd = procs.start_influxd(os.path.join(work, "influxd"))
        status, body = request(influxd.url, "POST", "/query",
                               body=urllib.parse.urlencode({"q": "CREATE DATABASE %s" % DB}),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, body
        ipid = influxd.proc.pid
        for name, server, pid, path, headers, count in (
                ("influxdb", influxd, ipid, "/write?db=%s&precision=s" % DB, {}, lambda: influx_count(influxd.url)),
                ("arc", None, None, "/write?db=%s&precision=s" % DB, {"Authorization": "Token " + TOKEN},
                 lambda: arc_sql(arc, "SELECT count(*) FROM cpu")["data"][0][0])):
            if name == "arc":
                arc = procs.start_arc(os.path.join(work, "arc"), token=TOKEN)
                server, pid = arc, arc.proc.pid
            c0, r0 = tree_cpu(pid), resource.getrusage(resource.RUSAGE_SELF)
            secs, retries = load(name, server.url, path, dict(headers, **{"Content-Type": "text/plain"}),
                                 batches, args.writers)
            c1, r1 = tree_cpu(pid), resource.getrusage(resource.RUSAGE_SELF)
            visible = wait_count(name, count, total)
            log("load %-8s %6.1f s  %9.0f points/s  (%d writers, %d retries; server %.1f CPU s, "
                "load generator %.1f CPU s; all %d points counted %.1f s after the last ack; RSS %.0f MB)"
                % (name, secs, total / secs, args.writers, retries, c1 - c0,
                   r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, total, visible, tree_rss_mb(pid)))
            if name == "arc":
                # let the buffers flush, then compact every hour now rather than during the runs
                wait_idle(name, pid, max_seconds=120)
                t = time.time()
                auth = {"Authorization": "Bearer " + TOKEN}
                s = json.loads(request(arc.url, "GET", "/api/v1/compaction/status", headers=auth)[1])
                if s.get("enabled", True):
                    c0 = s["cycles"]
                    request(arc.url, "POST", "/api/v1/compaction/trigger", body="{}", headers=auth)
                    quiet = 0
                    while time.time() - t < 900 and quiet < 2:
                        time.sleep(1)
                        s = json.loads(request(arc.url, "GET", "/api/v1/compaction/status", headers=auth)[1])
                        quiet = quiet + 1 if (s["cycles"] > c0 and not s["running"]) else 0
                    log("  arc compaction after the load: %.1f s (%s jobs, %s files in -> %s out, %s failures)"
                        % (time.time() - t, s.get("jobs"), s.get("files_in"), s.get("files_out"),
                           s.get("failures")))
            idle = wait_idle(name, pid)
            log("  %s idle %.1f s later" % (name, idle))
        wait_idle("influxdb", ipid, max_seconds=60)

        # ---- which endpoint answers InfluxQL on Arc
        arc_mode = "influxql"
        st, body = influx_get(arc.url, q, auth=TOKEN)
        if st != 200:
            arc_mode = "sql"
            log("arc: /query answered %s (%s): timing /api/v1/query with the equivalent SQL instead:\n  %s"
                % (st, body[:200].decode("utf-8", "replace"), sql))
        else:
            try:
                parse_influx(body)
            except Exception as e:  # noqa: BLE001
                arc_mode = "sql"
                log("arc: /query error (%s): timing /api/v1/query with the equivalent SQL instead" % e)
        log("query: %s   (%s)" % (q, "arc: GET /query, InfluxQL" if arc_mode == "influxql"
                                    else "arc: POST /api/v1/query, SQL"))

        def run_arc():
            if arc_mode == "influxql":
                st, body = influx_get(arc.url, q, auth=TOKEN)
            else:
                st, body = request(arc.url, "POST", "/api/v1/query", body=json.dumps({"sql": sql}),
                                   headers={"Authorization": "Bearer " + TOKEN, "x-arc-database": DB,
                                            "Content-Type": "application/json"})
            if st != 200:
                raise RuntimeError("arc query %s: %s" % (st, body[:300]))
            return body

        def run_influx():
            st, body = influx_get(influxd.url, q)
            if st != 200:
                raise RuntimeError("influxdb query %s: %s" % (st, body[:300]))
            return body

        times = {"arc": [], "influxdb": []}
        bodies = {}
        first = {}
        for i in range(args.runs + 1):
            order = (("arc", run_arc), ("influxdb", run_influx))
            for name, fn in (order if i % 2 == 0 else order[::-1]):
                t = time.perf_counter()
                body = fn()
                dt = time.perf_counter() - t
                if i == 0:
                    first[name] = dt
                    bodies[name] = body
                else:
                    times[name].append(dt)
        answers = {"arc": parse_influx(bodies["arc"]) if arc_mode == "influxql" else parse_arc_sql(bodies["arc"]),
                   "influxdb": parse_influx(bodies["influxdb"])}
        for name in ("arc", "influxdb"):
            ts = times[name]
            rows = sum(len(v) for v in answers[name].values())
            log("%-8s first %7.3f s; %d runs: min %7.3f  median %7.3f  max %7.3f s; %d series, %d rows, %.1f MB"
                % (name, first[name], len(ts), min(ts), statistics.median(ts), max(ts),
                   len(answers[name]), rows, len(bodies[name]) / 1e6))
        ratio = statistics.median(times["influxdb"]) / statistics.median(times["arc"])
        log("median influxdb / arc = %.2f (%s)" % (ratio, "arc faster" if ratio > 1 else "influxdb faster"))
        problems, compared = compare(answers["arc"], answers["influxdb"])
        per_host = {h: len(v) for h, v in answers["influxdb"].items()}
        bucket_note = ("%d buckets per host" % expected_buckets
                       if set(per_host.values()) == {expected_buckets} else "buckets per host %s" % per_host)
        if problems:
            log("answers DIFFER (%d problems): %s" % (len(problems), "; ".join(problems[:10])))
            return 1
        log("answers agree: %d hosts, %s, %d values compared" % (len(answers["arc"]), bucket_note, compared))
        return 0
    finally:
        for s in (arc, influxd):
            if s is not None:
                s.stop()
        if args.keep:
            log("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
