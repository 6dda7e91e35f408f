"""Process helpers for the InfluxDB-compatibility tests (Python 3, stdlib only).

start_influxd(tmpdir) runs a private InfluxDB 1.x (/usr/bin/influxd or $INFLUXD_BINARY) whose
meta/data/wal directories live in tmpdir; start_arc(tmpdir) runs $ARC_BINARY (default
/work/main/build/arc) with its working directory in tmpdir. Both pick free ports and wait until
the server answers. http() is a small urllib wrapper that never raises on 4xx/5xx.
"""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

DEFAULT_ARC_BINARY = "/work/main/build/arc"


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(method, url, body=None, headers=None, timeout=60):
    """Sends one request; returns (status, headers dict with lower-case names, body bytes).

    4xx/5xx answers are returned, not raised. A connection failure returns status 0 and the
    error text as the body. body may be bytes or str (sent as UTF-8).
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    req = urllib.request.Request(url, data=body, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        try:
            data = e.read()
        except Exception:  # pragma: no cover - a body we cannot read
            data = b""
        return e.code, {k.lower(): v for k, v in (e.headers or {}).items()}, data
    except (urllib.error.URLError, ConnectionError, socket.timeout, OSError) as e:
        return 0, {}, str(e).encode("utf-8")


def _stop_process(proc, timeout=30):
    if proc.poll() is not None:
        return proc.returncode
    try:
        proc.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait(timeout=10)


def _tail(path, n=40):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-n:])
    except OSError:
        return ""


class _Server:
    """A started server process: its log and how to stop it."""

    def __init__(self, proc, url, tmpdir, log_path, stop_timeout):
        self.proc = proc
        self.url = url
        self.tmpdir = tmpdir
        self.log_path = log_path
        self.stop_timeout = stop_timeout

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout=None):
        if self.proc is not None:
            _stop_process(self.proc, timeout=timeout or self.stop_timeout)
            self.proc = None


class Influxd(_Server):
    def __init__(self, proc, url, tmpdir, log_path):
        super().__init__(proc, url, tmpdir, log_path, stop_timeout=20)


INFLUXD_CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{tmpdir}/meta"
  retention-autocreate = true
  logging-enabled = false

[data]
  dir = "{tmpdir}/data"
  wal-dir = "{tmpdir}/wal"
  index-version = "inmem"
  wal-fsync-delay = "0s"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  log-queries-after = "0s"

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = false
  log-enabled = false
  suppress-write-log = true
  pprof-enabled = false
  max-row-limit = 0

[logging]
  level = "error"
  suppress-logo = true

[continuous_queries]
  enabled = false
  log-enabled = false

[[graphite]]
  enabled = false

[[collectd]]
  enabled = false

[[opentsdb]]
  enabled = false

[[udp]]
  enabled = false
"""


def start_influxd(tmpdir, timeout=60):
    """Starts influxd with everything in tmpdir; returns an object with .url and .stop()."""
    binary = os.environ.get("INFLUXD_BINARY", "/usr/bin/influxd")
    os.makedirs(tmpdir, exist_ok=True)
    last_error = ""
    for _attempt in range(3):  # a port picked by free_port() may be taken before influxd binds
        http_port, rpc_port = free_port(), free_port()
        while rpc_port == http_port:
            rpc_port = free_port()
        config_path = os.path.join(tmpdir, "influxdb.conf")
        with open(config_path, "w") as f:
            f.write(INFLUXD_CONFIG.format(tmpdir=tmpdir, http_port=http_port, rpc_port=rpc_port))
        log_path = os.path.join(tmpdir, "influxd.log")
        logf = open(log_path, "ab")
        proc = subprocess.Popen([binary, "-config", config_path], stdout=logf,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=tmpdir)
        logf.close()
        url = "http://127.0.0.1:%d" % http_port
        server = Influxd(proc, url, tmpdir, log_path)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if proc.poll() is not None:
                break
            status, _, _ = http("GET", url + "/ping", timeout=2)
            if status == 204:
                return server
            time.sleep(0.1)
        server.stop()
        last_error = "influxd did not answer /ping with 204 (exit %s); log tail:\n%s" % (
            proc.returncode, _tail(log_path))
    raise RuntimeError(last_error)


class Arc(_Server):
    def __init__(self, proc, url, token, tmpdir, log_path):
        super().__init__(proc, url, tmpdir, log_path, stop_timeout=60)
        self.token = token


ARC_CONFIG = '[server]\nworkers = 2\n[auth]\ntoken_file = "./data/auth/tokens.json"\n'


def start_arc(tmpdir, token="test-admin-token", env=None, timeout=60):
    """Starts $ARC_BINARY in tmpdir; returns an object with .url, .token, .stop(), .log()."""
    binary = os.environ.get("ARC_BINARY", DEFAULT_ARC_BINARY)
    os.makedirs(tmpdir, exist_ok=True)
    with open(os.path.join(tmpdir, "arc.conf"), "w") as f:
        f.write(ARC_CONFIG)
    child_env = dict(os.environ)
    child_env.update({"ARC_SERVER_HOST": "127.0.0.1", "ARC_SERVER_PORT": "0",
                      "ARC_AUTH_BOOTSTRAP_TOKEN": token})
    child_env.update(env or {})
    log_path = os.path.join(tmpdir, "arc.log")
    logf = open(log_path, "ab")
    proc = subprocess.Popen([binary, "--config", "arc.conf"], cwd=tmpdir, env=child_env,
                            stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    logf.close()
    server = Arc(proc, None, token, tmpdir, log_path)
    deadline = time.time() + timeout
    port_re = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
    try:
        while time.time() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("arc exited with %s before it was ready; log tail:\n%s"
                                   % (proc.returncode, _tail(log_path)))
            if server.url is None:
                m = port_re.search(server.log())
                if m:
                    server.url = "http://127.0.0.1:%s" % m.group(1)
            if server.url is not None:
                status, _, _ = http("GET", server.url + "/ready", timeout=2)
                if status == 200:
                    return server
            time.sleep(0.1)
        raise RuntimeError("arc was not ready after %d s; log tail:\n%s" % (timeout, _tail(log_path)))
    except BaseException:
        server.stop(timeout=10)
        raise
