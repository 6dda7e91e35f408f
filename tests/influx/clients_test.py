#!/usr/bin/python3
"""Real InfluxDB 1.x clients against a real Arc server.

    /usr/bin/python3 tests/influx/clients_test.py [--only SUBSTRING] [--keep] [-v]
    /usr/bin/python3 tests/influx/clients_test.py --reference   # same checks against influxd

Needs Debian's python3-influxdb (5.3.1, `import influxdb`; it lives in /usr/bin/python3's
dist-packages, so another python3 on PATH re-executes this script with /usr/bin/python3) and
the `influx` CLI (influxdb-client, 1.6.7). Starts $ARC_BINARY (default build/arc) with
tests/influx/procs.py, runs every check against it, prints PASS/FAIL per check and a closing
"N passed, N failed" line; exits 1 on any failure.

--reference runs the same checks against /usr/bin/influxd with auth enabled (admin users
grafana, u, telegraf and anyone, password = the token), to prove that the expectations below are
InfluxDB's own behaviour. Known differences of InfluxDB 1.6 that the checks allow only there:
`/ping?verbose=true` answers 204 (1.7+ answers 200 with JSON).

What the clients send (recorded against a logging HTTP server; Arc must accept all of it):
  python3-influxdb 5.3.1 (requests): every request has `Authorization: Basic base64(user:pw)`,
    `Accept: application/x-msgpack` (the answer must still be JSON with Content-Type
    application/json: the client decodes msgpack only when Content-Type says so) and
    `Content-Type: application/json` even on bodiless GETs. (InfluxDB 1.6 does answer that
    Accept with msgpack; the client's chunked=True mode then fails against InfluxDB itself,
    since it splits msgpack into lines, so no check here uses chunked=True.)
    ping()              GET  /ping                                   expects exactly 204
    create_database(x)  POST /query?q=CREATE+DATABASE+%22x%22&db=<db>   (q in URL, empty body)
    get_list_database() GET  /query?q=SHOW+DATABASES&db=<db>
    query(q)            GET  /query?q=...&db=<db>[&epoch=s][&chunked=true&chunk_size=N]
                        (SELECT ... INTO goes as POST); chunked answers are read line by line,
                        one JSON object per line
    write_points(..., time_precision='s')
                        POST /write?db=<db>&precision=s, Content-Type application/octet-stream,
                        body `m,host=a b=True,i=3i,s="x",v=1.5 1700000000\n` (bools as True/False)
  influx CLI 1.6.7: GET /ping first (Basic auth, `Accept-Encoding: gzip`), then
    POST /query?chunked=true&db=<db or empty>&epoch=ns&q=... with an empty body (epoch=s etc.
    with -precision; no epoch with -precision rfc3339); -import: GET /ping, POST
    /query?db=&epoch=s&q=CREATE+DATABASE+imp%0A (note the trailing newline in q), then
    POST /write?consistency=all&db=imp&precision=s&rp=<rp or empty> with an empty
    `Content-Type:` header and blank lines between the points of a batch (5000 per batch).
    A 401 on /query makes -execute print "ERR: ..." and exit 1.
"""

import argparse
import base64
import gzip
import json
import math
import re
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

try:
    import influxdb  # noqa: F401
except ImportError:
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
            os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("FAIL setup: python3-influxdb is not installed (apt-get install python3-influxdb)")
    print("0 passed, 1 failed")
    sys.exit(1)

from influxdb import InfluxDBClient
from influxdb.exceptions import InfluxDBClientError

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import procs  # noqa: E402

INFLUX_CLI = os.environ.get("INFLUX_CLI", "/usr/bin/influx")
WRONG = "definitely-not-the-token"
HTTP_TIMEOUT = 10    # seconds for one request or CLI run (the import gets 40)
BUDGET = 120         # seconds for the whole run; checks left after it fail unrun


class Target:
    url = None
    host = "127.0.0.1"
    port = None
    token = None
    reference = False


T = Target()


# ---------------------------------------------------------------------------------------------
# helpers

class CheckFailed(AssertionError):
    pass


def expect(cond, msg):
    if not cond:
        raise CheckFailed(msg)


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def short(body, n=300):
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return body if len(body) <= n else body[:n] + "..."


def query_url(params):
    return T.url + "/query?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def influx_query(q, db=None, epoch=None, user="grafana", password=None, method="GET",
                 accept=None, expect_status=200):
    """A /query request with Basic auth; returns (status, headers, body) after checking status."""
    params = {"q": q}
    if db is not None:
        params["db"] = db
    if epoch is not None:
        params["epoch"] = epoch
    headers = {"Authorization": basic(user, T.token if password is None else password)}
    if accept:
        headers["Accept"] = accept
    status, hdrs, body = procs.http(method, query_url(params), headers=headers, timeout=HTTP_TIMEOUT)
    if expect_status is not None:
        expect(status == expect_status, "%s /query %r -> %s, want %s: %s"
               % (method, q, status, expect_status, short(body)))
    return status, hdrs, body


def influx_json(q, db=None, epoch=None, **kw):
    """The first result of a successful JSON /query, checked for an error."""
    _, hdrs, body = influx_query(q, db=db, epoch=epoch, **kw)
    try:
        doc = json.loads(body)
    except ValueError:
        raise CheckFailed("/query %r: not JSON: %s" % (q, short(body)))
    results = doc.get("results")
    expect(isinstance(results, list) and len(results) == 1,
           "/query %r: want one result, got %s" % (q, short(body)))
    expect("error" not in results[0], "/query %r: error %s" % (q, results[0].get("error")))
    return results[0]


def write_lp(db, lines, precision="s"):
    """A plain (non-gzip) line-protocol write authenticated with ?u=&p=, which Arc has always
    accepted (and InfluxDB too), so fixtures do not depend on the features under test."""
    body = "\n".join(lines) + "\n"
    url = "%s/write?%s" % (T.url, urllib.parse.urlencode(
        {"db": db, "precision": precision, "u": "grafana", "p": T.token}))
    status, _, resp = procs.http("POST", url, body=body, timeout=HTTP_TIMEOUT)
    expect(status == 204, "fixture write to %s -> %s: %s" % (db, status, short(resp)))


def create_database(db):
    """CREATE DATABASE through /query (POST, q in the form body, as Telegraf does). InfluxDB
    needs it before a write; Arc creates databases on write, so there a failure is left to the
    checks of CREATE DATABASE itself and the fixture goes on."""
    if not T.reference:
        try:
            _create_database(db)
        except CheckFailed:
            pass
        return
    _create_database(db)


def _create_database(db):
    body = urllib.parse.urlencode({"q": 'CREATE DATABASE "%s"' % db})
    status, _, resp = procs.http("POST", T.url + "/query", body=body, headers={
        "Authorization": basic("grafana", T.token),
        "Content-Type": "application/x-www-form-urlencoded"}, timeout=HTTP_TIMEOUT)
    expect(status == 200, "CREATE DATABASE %s -> %s: %s" % (db, status, short(resp)))


def assert_close(got, want, what):
    expect(isinstance(got, (int, float)) and not isinstance(got, bool),
           "%s: want number %r, got %r" % (what, want, got))
    expect(math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12),
           "%s: want %r, got %r" % (what, want, got))


def assert_same_point(got, want, what):
    """Every key of want is in got with an equal value of the same Python type (a float that
    came back as an int, or an int as a float or bool, fails), and got has no extra keys."""
    expect(set(got) == set(want), "%s: columns %s, want %s" % (what, sorted(got), sorted(want)))
    for k, v in want.items():
        g = got[k]
        if isinstance(v, float):
            expect(type(g) is float, "%s: %s=%r is %s, want float" % (what, k, g, type(g).__name__))
            assert_close(g, v, "%s: %s" % (what, k))
        else:
            expect(type(g) is type(v) and g == v,
                   "%s: %s=%r (%s), want %r (%s)" % (what, k, g, type(g).__name__, v,
                                                     type(v).__name__))


def run_cli(args, timeout=HTTP_TIMEOUT, stdin=None):
    cmd = [INFLUX_CLI, "-host", T.host, "-port", str(T.port)] + args
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUX_")}
    env["HOME"] = os.environ.get("HOME", "/tmp")
    p = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env,
                       stdin=subprocess.DEVNULL if stdin is None else stdin)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def cli_ok(args, what, **kw):
    rc, out, err = run_cli(args, **kw)
    expect(rc == 0, "%s: influx exited %s\nstdout: %s\nstderr: %s" % (what, rc, short(out), short(err)))
    expect("ERR" not in out and "ERR" not in err,
           "%s: error printed\nstdout: %s\nstderr: %s" % (what, short(out), short(err)))
    return out


_fixtures = {}


def fixture(fn):
    """Runs a data fixture once; a failed fixture fails every check that uses it."""
    def wrapper():
        if fn.__name__ not in _fixtures:
            try:
                _fixtures[fn.__name__] = (True, fn())
            except Exception as e:  # noqa: BLE001 - reported by each check that needs it
                _fixtures[fn.__name__] = (False, "fixture %s failed: %s" % (fn.__name__, e))
        ok, value = _fixtures[fn.__name__]
        if not ok:
            raise CheckFailed(value)
        return value
    return wrapper


CHECKS = []
SKIPPED = "skipped"  # what a check returns when it does not apply to the server under test


def check(fn):
    CHECKS.append(fn)
    return fn


def client(password=None, database="pyclient", username="grafana"):
    return InfluxDBClient(host=T.host, port=T.port, username=username,
                          password=T.token if password is None else password,
                          database=database, timeout=HTTP_TIMEOUT, retries=1)


# ---------------------------------------------------------------------------------------------
# python3-influxdb

PY_POINTS = [
    {"measurement": "m", "tags": {"host": "a", "region": "eu"}, "time": 1700000000,
     "fields": {"v": 1.5, "n": 3, "s": 'say "hi"', "ok": True}},
    {"measurement": "m", "tags": {"host": "b", "region": "us"}, "time": 1700000060,
     "fields": {"v": 2.25, "n": -4, "s": "plain", "ok": False}},
    {"measurement": "m", "tags": {"host": "a", "region": "eu"}, "time": 1700000120,
     "fields": {"v": 3.5, "n": 9007199254740993, "s": "x, y=z", "ok": False}},
]


def rfc3339(sec):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(sec))


def py_expected_rows(epoch=None):
    rows = []
    for p in PY_POINTS:
        row = {"time": rfc3339(p["time"]) if epoch is None else p["time"]}
        row.update(p["tags"])
        row.update(p["fields"])
        rows.append(row)
    return rows


@fixture
def py_database():
    """(client, error of create_database or None). Arc also creates a database on its first
    write, so there the write checks go on without it; InfluxDB needs it."""
    c = client()
    try:
        c.create_database("pyclient")
        return c, None
    except Exception as e:  # noqa: BLE001
        if T.reference:
            raise
        return c, "%s: %s" % (type(e).__name__, short(str(e)))


@fixture
def py_written():
    c, _ = py_database()
    ok = c.write_points(PY_POINTS, time_precision="s")
    expect(ok is True, "write_points returned %r" % ok)
    return c


@check
def py_create_database_listed_before_any_write():
    c, err = py_database()
    expect(err is None, "create_database('pyclient'): %s" % err)
    dbs = c.get_list_database()
    expect({"name": "pyclient"} in dbs, "get_list_database() = %r lacks pyclient" % dbs)


@check
def py_write_points_and_read_back():
    c = py_written()
    got = list(c.query("SELECT * FROM m").get_points())
    want = py_expected_rows()
    expect(len(got) == len(want), "SELECT * FROM m: %d points, want %d: %r" % (len(got), len(want), got))
    for i, (g, w) in enumerate(zip(got, want)):
        assert_same_point(g, w, "point %d" % i)
    got = list(c.query("SELECT * FROM m", epoch="s").get_points())
    want = py_expected_rows(epoch="s")
    expect(len(got) == len(want), "epoch=s: %d points, want %d" % (len(got), len(want)))
    for i, (g, w) in enumerate(zip(got, want)):
        assert_same_point(g, w, "epoch=s point %d" % i)
    got = list(c.query("SELECT v FROM m WHERE host = 'a'", epoch="s").get_points())
    expect(got == [{"time": 1700000000, "v": 1.5}, {"time": 1700000120, "v": 3.5}],
           "SELECT v FROM m WHERE host = 'a': %r" % got)
    got = list(c.query("SELECT v FROM nosuch_measurement").get_points())
    expect(got == [], "an unknown measurement must give no points, got %r" % got)


@check
def py_mean_group_by_host():
    c = py_written()
    rs = c.query("SELECT mean(v) FROM m GROUP BY host")
    a = list(rs.get_points(tags={"host": "a"}))
    b = list(rs.get_points(measurement="m", tags={"host": "b"}))
    expect(len(a) == 1 and len(b) == 1, "GROUP BY host: host a %r, host b %r (keys %r)"
           % (a, b, list(rs.keys())))
    expect(a[0].get("time") == "1970-01-01T00:00:00Z", "time of host a: %r" % a[0])
    assert_close(a[0].get("mean"), 2.5, "mean(v) host a")
    assert_close(b[0].get("mean"), 2.25, "mean(v) host b")
    keys = sorted(rs.keys(), key=lambda k: (k[0], sorted((k[1] or {}).items())))
    expect(keys == [("m", {"host": "a"}), ("m", {"host": "b"})], "series: %r" % keys)


@check
def py_wrong_password_is_401():
    bad = client(password=WRONG)
    try:
        bad.query("SELECT * FROM m")
        raise CheckFailed("query with a wrong password succeeded")
    except InfluxDBClientError as e:
        expect(e.code == 401, "query: code %r, want 401 (%s)" % (e.code, short(str(e.content))))
        body = e.content.decode() if isinstance(e.content, bytes) else e.content
        try:
            doc = json.loads(body)
        except ValueError:
            raise CheckFailed("401 body is not JSON: %r" % body)
        expect(isinstance(doc, dict) and isinstance(doc.get("error"), str) and doc["error"],
               "401 body %r is not {\"error\": \"...\"}" % body)
    try:
        bad.write_points(PY_POINTS[:1], time_precision="s")
        raise CheckFailed("write_points with a wrong password succeeded")
    except InfluxDBClientError as e:
        expect(e.code == 401, "write_points: code %r, want 401" % e.code)


@check
def py_ping_returns_version():
    v = client().ping()
    expect(isinstance(v, str) and v.strip(), "ping() returned %r" % v)


# ---------------------------------------------------------------------------------------------
# influx CLI

CLI_LINES = ["cpu,host=a usage=1.5 1700000000",
             "cpu,host=b usage=2.5 1700000030",
             "cpu,host=a usage=3.25 1700000060"]


@fixture
def clidb():
    create_database("clidb")
    write_lp("clidb", CLI_LINES)


def cli_auth(password=None):
    return ["-username", "u", "-password", T.token if password is None else password]


@check
def cli_show_databases():
    clidb()
    out = cli_ok(cli_auth() + ["-execute", "SHOW DATABASES"], "SHOW DATABASES")
    lines = [line.strip() for line in out.splitlines()]
    expect("clidb" in lines, "SHOW DATABASES output lacks clidb:\n%s" % out)
    expect(lines[:3] == ["name: databases", "name", "----"], "unexpected layout:\n%s" % out)


@check
def cli_select_csv():
    clidb()
    out = cli_ok(cli_auth() + ["-database", "clidb", "-execute", "SELECT * FROM cpu",
                               "-format", "csv"], "SELECT csv")
    want = ["name,time,host,usage",
            "cpu,1700000000000000000,a,1.5",
            "cpu,1700000030000000000,b,2.5",
            "cpu,1700000060000000000,a,3.25"]
    expect(out.splitlines() == want, "csv output:\n%s\nwant:\n%s" % (out, "\n".join(want)))
    out = cli_ok(cli_auth() + ["-database", "clidb", "-precision", "s", "-format", "csv",
                               "-execute", "SELECT max(usage) FROM cpu GROUP BY host"],
                 "GROUP BY csv")
    want = ["name,tags,time,max", "cpu,host=a,1700000060,3.25",
            "name,tags,time,max", "cpu,host=b,1700000030,2.5"]
    expect(out.splitlines() == want, "GROUP BY csv output:\n%s\nwant:\n%s" % (out, "\n".join(want)))


@check
def cli_select_json():
    clidb()
    out = cli_ok(cli_auth() + ["-database", "clidb", "-precision", "s", "-format", "json",
                               "-execute", "SELECT * FROM cpu WHERE host = 'a'"], "SELECT json")
    try:
        doc = json.loads(out)
    except ValueError:
        raise CheckFailed("-format json printed non-JSON:\n%s" % out)
    series = doc.get("results", [{}])[0].get("series")
    want = [{"name": "cpu", "columns": ["time", "host", "usage"],
             "values": [[1700000000, "a", 1.5], [1700000060, "a", 3.25]]}]
    expect(series == want, "series %r, want %r" % (series, want))


def import_file(path):
    lines = ["# DDL", "CREATE DATABASE imp", "", "# DML", "# CONTEXT-DATABASE: imp",
             "# CONTEXT-RETENTION-POLICY: autogen"]
    expected = {}
    for h in range(4):
        for i in range(300):
            used, free = h * 1000 + i, 100.0 - i / 4.0
            lines.append("disk,host=h%d,path=/ used=%di,free=%r %d" % (h, used, free, 1700000000 + i))
            expected.setdefault("h%d" % h, []).append((1700000000 + i, used, free))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return expected


@check
def cli_import_file():
    path = os.path.join(WORKDIR, "import.txt")
    expected = import_file(path)
    rc, out, err = run_cli(cli_auth() + ["-import", "-path", path, "-precision", "s"], timeout=40)
    # the importer echoes every line of a failed batch: keep its own messages only
    text = "\n".join([ln for ln in (out + err).splitlines()
                      if re.match(r"^\d{4}/\d\d/\d\d |ERROR|ERR:", ln)][:12])
    expect(rc == 0, "influx -import exited %s:\n%s" % (rc, short(text, 1500)))
    expect("Processed 1200 inserts" in text and "Failed 0 inserts" in text,
           "influx -import output:\n%s" % short(text, 1500))
    r = influx_json("SELECT count(used), sum(used), sum(free) FROM disk GROUP BY host",
                    db="imp", epoch="s")
    got = {s.get("tags", {}).get("host"): s["values"][0] for s in r.get("series", [])}
    expect(sorted(got) == sorted(expected), "hosts %r, want %r" % (sorted(got), sorted(expected)))
    for h, pts in expected.items():
        cnt, su, sf = got[h][1], got[h][2], got[h][3]
        expect(cnt == len(pts), "host %s: count %r, want %d" % (h, cnt, len(pts)))
        expect(su == sum(p[1] for p in pts), "host %s: sum(used) %r" % (h, su))
        assert_close(sf, sum(p[2] for p in pts), "host %s: sum(free)" % h)
    r = influx_json("SELECT * FROM disk WHERE host = 'h2' AND time >= 1700000100s "
                    "AND time < 1700000103s", db="imp", epoch="s")
    series = r.get("series") or [{}]
    want = [[1700000100 + i, 100.0 - (100 + i) / 4.0, "h2", "/", 2100 + i] for i in range(3)]
    expect(series[0].get("columns") == ["time", "free", "host", "path", "used"]
           and series[0].get("values") == want, "spot check: %r, want values %r" % (series, want))


@check
def cli_wrong_password_fails():
    cli_ok(cli_auth() + ["-execute", "SHOW DATABASES"], "with the right password")
    rc, out, err = run_cli(cli_auth(WRONG) + ["-execute", "SHOW DATABASES"])
    expect(rc != 0, "influx -execute with a wrong password exited 0:\n%s%s" % (out, err))
    expect("ERR" in out + err, "no ERR printed:\n%s%s" % (out, err))
    expect("clidb" not in out and "pyclient" not in out, "databases listed anyway:\n%s" % out)


def arc_sql_count(db, measurement):
    """count(*) through Arc's own /api/v1/query (independent of /query)."""
    status, _, body = procs.http("POST", T.url + "/api/v1/query", body=json.dumps(
        {"sql": "SELECT count(*) FROM %s" % measurement}),
        headers={"Authorization": "Bearer " + T.token, "x-arc-database": db,
                 "Content-Type": "application/json"}, timeout=HTTP_TIMEOUT)
    expect(status == 200, "/api/v1/query count(*) of %s.%s -> %s: %s" % (db, measurement, status, short(body)))
    return json.loads(body)["data"][0][0]


@check
def write_with_basic_auth_and_gzip():
    # /write alone (read back through Arc's SQL endpoint, so this does not need /query):
    # Basic auth, gzip bodies, a wrong password, the importer's empty Content-Type and rp=.
    create_database("basicw")
    auth = {"Authorization": basic("anyone", T.token)}
    status, _, body = procs.http("POST", T.url + "/write?db=basicw&precision=s",
                                 body="w,k=a v=1 1700000000\n", headers=auth, timeout=HTTP_TIMEOUT)
    expect(status == 204, "Basic-auth write -> %s: %s" % (status, short(body)))
    status, _, body = procs.http("POST", T.url + "/write?db=basicw&precision=s&rp=&consistency=all",
                                 body=gzip.compress(b"w,k=b v=2 1700000001\n\nw,k=c v=3 1700000002\n"),
                                 headers=dict(auth, **{"Content-Encoding": "gzip", "Content-Type": ""}),
                                 timeout=HTTP_TIMEOUT)
    expect(status == 204, "gzip Basic-auth write (rp=, consistency=all) -> %s: %s" % (status, short(body)))
    status, hdrs, body = procs.http("POST", T.url + "/write?db=basicw&precision=s",
                                    body="w,k=d v=4 1700000003\n",
                                    headers={"Authorization": basic("anyone", WRONG)},
                                    timeout=HTTP_TIMEOUT)
    expect(status == 401, "write with a wrong Basic password -> %s: %s" % (status, short(body)))
    try:
        doc = json.loads(body)
    except ValueError:
        raise CheckFailed("401 of /write is not JSON: %r" % body)
    expect(isinstance(doc, dict) and isinstance(doc.get("error"), str), "401 of /write: %r" % body)
    if T.reference:
        r = influx_json("SELECT count(v) FROM w", db="basicw")
        n = r["series"][0]["values"][0][1]
    else:
        n = arc_sql_count("basicw", "w")
    expect(n == 3, "%s points stored, want 3" % n)


# ---------------------------------------------------------------------------------------------
# Telegraf and Grafana

T0 = 1699999980  # a whole minute
CPU_HOSTS = ("h1", "h2")


def cpu_points():
    """(host, unix seconds, usage): every 10 s for 5 minutes; h2 has nothing in minute 2."""
    pts = []
    for i in range(30):
        t = T0 + 10 * i
        pts.append(("h1", t, 10 + i * 0.5))
        if not (120 <= t - T0 < 180):
            pts.append(("h2", t, 50 - i * 0.25))
    return pts


_telegraf_state = {"written": False}


@fixture
def telegraf_data():
    """The cpu data in database telegraf: written by the Telegraf check when it ran and got its
    204, else written here plainly so the Grafana checks test only Grafana's shapes."""
    if not _telegraf_state["written"]:
        create_database("telegraf")
        write_lp("telegraf", ["cpu,host=%s usage=%r %d" % (h, u, t * 10**9)
                              for h, t, u in cpu_points()], precision="ns")
        _telegraf_state["written"] = True


@check
def telegraf_create_database_and_gzip_write():
    # Telegraf's outputs.influxdb: CREATE DATABASE as a POST form, then gzip writes (ns).
    headers = {"Authorization": basic("telegraf", T.token), "User-Agent": "Telegraf/1.25.0"}
    body = urllib.parse.urlencode({"q": 'CREATE DATABASE "telegraf"'})
    status, _, resp = procs.http("POST", T.url + "/query", body=body, headers=dict(
        headers, **{"Content-Type": "application/x-www-form-urlencoded"}), timeout=HTTP_TIMEOUT)
    expect(status == 200, "CREATE DATABASE -> %s: %s" % (status, short(resp)))
    doc = json.loads(resp)
    expect(doc.get("results") and "error" not in doc["results"][0], "CREATE DATABASE: %s" % resp)
    lp = "".join("cpu,host=%s usage=%r %d\n" % (h, u, t * 10**9) for h, t, u in cpu_points())
    status, _, resp = procs.http("POST", T.url + "/write?db=telegraf", body=gzip.compress(lp.encode()),
                                 headers=dict(headers, **{"Content-Encoding": "gzip",
                                                          "Content-Type": "text/plain; charset=utf-8"}),
                                 timeout=HTTP_TIMEOUT)
    expect(status == 204, "gzip write -> %s: %s" % (status, short(resp)))
    _telegraf_state["written"] = True
    r = influx_json("SELECT usage FROM cpu WHERE host = 'h2' AND time >= %ds AND time < %ds"
                    % (T0 + 170, T0 + 200), db="telegraf", epoch="s", user="telegraf")
    want = [[T0 + 180, 50 - 18 * 0.25], [T0 + 190, 50 - 19 * 0.25]]
    got = (r.get("series") or [{}])[0].get("values")
    expect(got == want, "read back %r, want %r" % (got, want))
    r = influx_json("SELECT count(usage) FROM cpu", db="telegraf", user="telegraf")
    got = (r.get("series") or [{}])[0].get("values")
    expect(got and got[0][1] == len(cpu_points()), "count(usage) %r, want %d" % (got, len(cpu_points())))


@check
def grafana_health_check():
    telegraf_data()
    status, hdrs, body = procs.http(
        "GET", T.url + "/query?q=SHOW%20MEASUREMENTS&db=telegraf&epoch=ms",
        headers={"Authorization": basic("grafana", T.token), "User-Agent": "Grafana/10.4.0"}, timeout=HTTP_TIMEOUT)
    expect(status == 200, "SHOW MEASUREMENTS -> %s: %s" % (status, short(body)))
    expect(hdrs.get("content-type", "").startswith("application/json"),
           "Content-Type %r" % hdrs.get("content-type"))
    doc = json.loads(body)
    series = doc["results"][0].get("series")
    expect(series == [{"name": "measurements", "columns": ["name"], "values": [["cpu"]]}],
           "SHOW MEASUREMENTS: %s" % short(body))


def grafana_panel_expected(start, end):
    """InfluxDB's GROUP BY time(1m), "host" fill(null) answer for [start, end] (seconds)."""
    first, last = start - start % 60, end - end % 60
    series = []
    for h in CPU_HOSTS:
        values = []
        for b in range(first, last + 1, 60):
            us = [u for hh, t, u in cpu_points() if hh == h and b <= t < b + 60 and start <= t <= end]
            values.append([b * 1000, (sum(us) / len(us)) if us else None])
        series.append({"name": "cpu", "tags": {"host": h}, "columns": ["time", "mean"], "values": values})
    return series


def assert_series_equal(got, want, what):
    expect(isinstance(got, list) and len(got) == len(want),
           "%s: %d series, want %d: %s" % (what, len(got or []), len(want), short(json.dumps(got), 600)))
    for g, w in zip(got, want):
        for k in ("name", "tags", "columns"):
            expect(g.get(k) == w.get(k), "%s: series %s %r, want %r" % (what, k, g.get(k), w.get(k)))
        gv, wv = g.get("values") or [], w["values"]
        expect([r[0] for r in gv] == [r[0] for r in wv],
               "%s %s: bucket times %r, want %r" % (what, w.get("tags"), [r[0] for r in gv], [r[0] for r in wv]))
        for gr, wr in zip(gv, wv):
            if wr[1] is None:
                expect(gr[1] is None, "%s %s at %s: %r, want null" % (what, w.get("tags"), wr[0], gr[1]))
            else:
                assert_close(gr[1], wr[1], "%s %s at %s" % (what, w.get("tags"), wr[0]))


@check
def grafana_panel_query():
    telegraf_data()
    start, end = T0 - 90, T0 + 330
    q = ('SELECT mean("usage") FROM "cpu" WHERE time >= %dms and time <= %dms '
         'GROUP BY time(1m), "host" fill(null)' % (start * 1000, end * 1000))
    want = grafana_panel_expected(start, end)
    auth = {"Authorization": basic("grafana", T.token)}
    # httpMode GET: everything in the URL
    status, _, body = procs.http("GET", T.url + "/query?" + urllib.parse.urlencode(
        {"db": "telegraf", "epoch": "ms", "q": q}), headers=auth, timeout=HTTP_TIMEOUT)
    expect(status == 200, "GET panel query -> %s: %s" % (status, short(body)))
    assert_series_equal(json.loads(body)["results"][0].get("series"), want, "GET")
    # httpMode POST: db and epoch in the URL, q in a form body
    status, _, body = procs.http("POST", T.url + "/query?db=telegraf&epoch=ms",
                                 body=urllib.parse.urlencode({"q": q}),
                                 headers=dict(auth, **{"Content-Type": "application/x-www-form-urlencoded"}),
                                 timeout=HTTP_TIMEOUT)
    expect(status == 200, "POST panel query -> %s: %s" % (status, short(body)))
    assert_series_equal(json.loads(body)["results"][0].get("series"), want, "POST")


@check
def grafana_query_editor_metadata():
    # What Grafana's InfluxQL query editor and template variables send.
    telegraf_data()
    r = influx_json('SHOW TAG KEYS FROM "cpu"', db="telegraf", epoch="ms")
    expect(r.get("series") == [{"name": "cpu", "columns": ["tagKey"], "values": [["host"]]}],
           "SHOW TAG KEYS: %r" % r)
    r = influx_json('SHOW FIELD KEYS FROM "cpu"', db="telegraf", epoch="ms")
    expect(r.get("series") == [{"name": "cpu", "columns": ["fieldKey", "fieldType"],
                                "values": [["usage", "float"]]}], "SHOW FIELD KEYS: %r" % r)
    r = influx_json('SHOW TAG VALUES FROM "cpu" WITH KEY = "host"', db="telegraf", epoch="ms")
    expect(r.get("series") == [{"name": "cpu", "columns": ["key", "value"],
                                "values": [["host", "h1"], ["host", "h2"]]}], "SHOW TAG VALUES: %r" % r)


# ---------------------------------------------------------------------------------------------
# /ping, errors, CSV

@check
def ping_endpoints():
    for method in ("GET", "HEAD"):
        status, hdrs, body = procs.http(method, T.url + "/ping", timeout=10)
        expect(status == 204, "%s /ping -> %s: %s" % (method, status, short(body)))
        expect(hdrs.get("x-influxdb-version"), "%s /ping: no X-Influxdb-Version (%r)" % (method, hdrs))
        expect("x-influxdb-build" in hdrs, "%s /ping: no X-Influxdb-Build (%r)" % (method, hdrs))
        expect(body == b"", "%s /ping: body %r" % (method, body))
    # clients send their credentials to /ping too (the CLI and python3-influxdb always do);
    # wrong ones must not turn the health check into a 401
    status, _, _ = procs.http("GET", T.url + "/ping", headers={"Authorization": basic("u", WRONG)},
                              timeout=HTTP_TIMEOUT)
    expect(status == 204, "GET /ping with wrong Basic credentials -> %s" % status)
    status, hdrs, body = procs.http("GET", T.url + "/ping?verbose=true", timeout=10)
    if T.reference and status == 204:
        return  # InfluxDB 1.6 ignores verbose
    expect(status == 200, "/ping?verbose=true -> %s: %s" % (status, short(body)))
    try:
        doc = json.loads(body)
    except ValueError:
        raise CheckFailed("/ping?verbose=true body is not JSON: %r" % body)
    expect(isinstance(doc, dict) and isinstance(doc.get("version"), str) and doc["version"],
           "/ping?verbose=true: %r" % doc)


@check
def query_auth_errors():
    clidb()
    for hdrs, what in (({"Authorization": basic("u", WRONG)}, "wrong Basic password"),
                       ({}, "no credentials")):
        status, h, body = procs.http("GET", query_url({"db": "clidb", "q": "SELECT * FROM cpu"}),
                                     headers=hdrs, timeout=10)
        expect(status == 401, "%s -> %s: %s" % (what, status, short(body)))
        expect(h.get("content-type", "").startswith("application/json"), "%s: Content-Type %r"
               % (what, h.get("content-type")))
        try:
            doc = json.loads(body)
        except ValueError:
            raise CheckFailed("%s: body not JSON: %r" % (what, body))
        expect(isinstance(doc, dict) and list(doc) == ["error"] and isinstance(doc["error"], str),
               "%s: body %r is not {\"error\": \"...\"}" % (what, body))
    # the right token under any user name (Arc ignores the user name)
    influx_json("SELECT * FROM cpu", db="clidb", user="anyone")
    if not T.reference:  # Arc's own scheme, which InfluxDB 1.x does not have
        status, _, body = procs.http("GET", query_url({"db": "clidb", "q": "SELECT * FROM cpu"}),
                                     headers={"Authorization": "Token " + T.token}, timeout=10)
        expect(status == 200, "Authorization: Token -> %s: %s" % (status, short(body)))


@check
def query_bad_influxql_is_400():
    clidb()
    status, _, body = influx_query("SELEC usage FROM cpu", db="clidb", expect_status=None)
    expect(status == 400, "a parse error -> %s, want 400: %s" % (status, short(body)))
    doc = json.loads(body)
    expect(isinstance(doc.get("error"), str) and doc["error"], "400 body %r" % body)


@check
def csv_accept_header():
    clidb()
    _, hdrs, body = influx_query("SELECT * FROM cpu", db="clidb", accept="application/csv")
    expect(hdrs.get("content-type", "").startswith("text/csv"), "Content-Type %r" % hdrs.get("content-type"))
    want = ["name,tags,time,host,usage",
            "cpu,,1700000000000000000,a,1.5",
            "cpu,,1700000030000000000,b,2.5",
            "cpu,,1700000060000000000,a,3.25"]
    got = body.decode().splitlines()
    expect(got == want, "CSV:\n%s\nwant:\n%s" % (body.decode(), "\n".join(want)))
    _, _, body = influx_query("SELECT mean(usage) FROM cpu GROUP BY host", db="clidb", epoch="s",
                              accept="application/csv")
    want = ["name,tags,time,mean", "cpu,host=a,0,2.375", "cpu,host=b,0,2.5"]
    got = body.decode().splitlines()
    expect(got == want, "CSV GROUP BY:\n%s\nwant:\n%s" % (body.decode(), "\n".join(want)))


@check
def drop_measurement_and_admin_statements():
    """DROP MEASUREMENT removes every row (through the delete API's rewrite) and the measurement
    from SHOW MEASUREMENTS; a read-only token may query but not CREATE or DROP."""
    if T.reference:
        return SKIPPED  # Arc's tokens: InfluxDB's users work differently
    write_lp("dropdb", ["gone,host=a v=1 1700000000", "gone,host=b v=2 1700003600",
                        "kept,host=a v=3 1700000000"])
    status, _, body = procs.http("POST", T.url + "/api/v1/auth/tokens", body=json.dumps(
        {"name": "reader", "permissions": ["read"]}), headers={
        "Authorization": "Bearer " + T.token, "Content-Type": "application/json"}, timeout=10)
    expect(status == 201, "creating a read token -> %s: %s" % (status, short(body)))
    reader = json.loads(body)["token"]
    for q in ("DROP MEASUREMENT gone", "CREATE DATABASE nope"):
        _, _, body = influx_query(q, db="dropdb", password=reader, method="POST")
        err = json.loads(body)["results"][0].get("error", "")
        expect("admin" in err, "%s with a read token: want an error naming admin, got %s" % (q, short(body)))
    res = influx_json("SELECT count(v) FROM gone", db="dropdb", password=reader)
    expect(res["series"][0]["values"][0][1] == 2, "read token SELECT: %s" % res)
    influx_json("DROP MEASUREMENT gone", db="dropdb", method="POST")
    expect("series" not in influx_json("SELECT * FROM gone", db="dropdb"), "rows of gone remain")
    expect(arc_sql_count("dropdb", "kept") == 1, "kept lost rows")
    names = [v[0] for v in influx_json("SHOW MEASUREMENTS", db="dropdb")["series"][0]["values"]]
    expect(names == ["kept"], "SHOW MEASUREMENTS after DROP: %s" % names)
    _, _, body = influx_query("DROP MEASUREMENT gone", db="dropdb", method="POST")
    expect("not found" in json.loads(body)["results"][0].get("error", ""),
           "dropping it again: %s" % short(body))
    # DROP DATABASE: every measurement's rows go, and the database leaves SHOW DATABASES, also
    # one created empty; a GET never drops.
    influx_json('CREATE DATABASE "emptydb"', method="POST")
    _, _, body = influx_query("DROP DATABASE dropdb", method="GET")
    expect("POST" in json.loads(body)["results"][0].get("error", ""), "DROP over GET: %s" % short(body))
    for db in ("dropdb", "emptydb"):
        influx_json("DROP DATABASE %s" % db, method="POST")
    dbs = [v[0] for v in influx_json("SHOW DATABASES")["series"][0].get("values", [])]
    expect("dropdb" not in dbs and "emptydb" not in dbs, "SHOW DATABASES after DROP: %s" % dbs)
    expect(arc_sql_count("dropdb", "kept") == 0, "rows of dropdb.kept remain")


# ---------------------------------------------------------------------------------------------
# runner

REF_USERS = ("grafana", "u", "telegraf", "anyone")


def start_reference(tmpdir, token):
    """influxd with auth on, admin users REF_USERS with password token."""
    orig = procs.INFLUXD_CONFIG
    procs.INFLUXD_CONFIG = orig.replace("auth-enabled = false", "auth-enabled = true")
    try:
        server = procs.start_influxd(tmpdir)
    finally:
        procs.INFLUXD_CONFIG = orig
    for i, user in enumerate(REF_USERS):
        hdrs = {} if i == 0 else {"Authorization": basic(REF_USERS[0], token)}
        status, _, body = procs.http("POST", server.url + "/query", body=urllib.parse.urlencode(
            {"q": "CREATE USER \"%s\" WITH PASSWORD '%s' WITH ALL PRIVILEGES" % (user, token)}),
            headers=dict(hdrs, **{"Content-Type": "application/x-www-form-urlencoded"}), timeout=HTTP_TIMEOUT)
        if status != 200 or b"error" in body:
            raise RuntimeError("CREATE USER %s: %s %s" % (user, status, body))
    return server


WORKDIR = None


def main():
    global WORKDIR
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="run the checks whose name contains this")
    ap.add_argument("--reference", action="store_true", help="run against influxd (auth on)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("-v", "--verbose", action="store_true", help="print the server log tail on failure")
    args = ap.parse_args()

    WORKDIR = tempfile.mkdtemp(prefix="arc-influx-clients-")
    token = "clients-test-token-%d" % os.getpid()
    server = None
    started = time.time()
    failed, passed = [], 0
    try:
        try:
            if args.reference:
                server = start_reference(os.path.join(WORKDIR, "influxd"), token)
                T.reference = True
            else:
                server = procs.start_arc(os.path.join(WORKDIR, "arc"), token=token)
        except Exception as e:  # noqa: BLE001
            print("FAIL setup: could not start the server: %s" % e)
            print("0 passed, 1 failed")
            return 1
        T.url, T.token = server.url, token
        T.port = int(server.url.rsplit(":", 1)[1])
        print("server: %s (%s)" % (server.url, "influxd, reference run" if args.reference else
                                   os.environ.get("ARC_BINARY", procs.DEFAULT_ARC_BINARY)))
        for fn in CHECKS:
            if args.only and args.only not in fn.__name__:
                continue
            if time.time() - started > BUDGET:
                failed.append(fn.__name__)
                print("FAIL %s: not run, the %d s budget is spent" % (fn.__name__, BUDGET))
                continue
            t = time.time()
            try:
                if fn() == SKIPPED:
                    print("SKIP %s (Arc only)" % fn.__name__, flush=True)
                    continue
                passed += 1
                print("PASS %s (%.2fs)" % (fn.__name__, time.time() - t), flush=True)
            except CheckFailed as e:
                failed.append(fn.__name__)
                print("FAIL %s (%.2fs): %s" % (fn.__name__, time.time() - t, e), flush=True)
            except Exception as e:  # noqa: BLE001 - a client exception is a failure too
                failed.append(fn.__name__)
                tb = traceback.format_exc().strip().splitlines()
                print("FAIL %s (%.2fs): %s: %s\n    at %s" % (fn.__name__, time.time() - t,
                      type(e).__name__, short(str(e), 500), tb[-3].strip() if len(tb) > 2 else ""),
                      flush=True)
        if failed and args.verbose:
            print("---- server log tail ----")
            print("\n".join(server.log().splitlines()[-40:]))
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print("kept %s" % WORKDIR)
        else:
            shutil.rmtree(WORKDIR, ignore_errors=True)
    print("%.1fs" % (time.time() - started))
    if failed:
        print("failed: %s" % " ".join(failed))
    print("%d passed, %d failed" % (passed, len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
