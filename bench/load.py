"""Load benchmark: the real server (gunicorn, as `make serve` runs it) under concurrent clients.

    .venv/bin/python bench/load.py                          # 10,000 materials, 32 clients, 20 s a page
    .venv/bin/python bench/load.py --n 5000 --clients 16 --seconds 10
    .venv/bin/python bench/load.py --keep /tmp/pan-load     # keep the instance; reused when present
    .venv/bin/python bench/load.py --smoke                  # 200 materials, 4 clients, 3 s a page
    .venv/bin/python bench/load.py --client wrk             # the same pages driven by wrk (C, apt install wrk)
    .venv/bin/python bench/load.py --redis                  # workers share pages and counts through Redis

The catalogue is the one of bench/reindex_bench.py (its `populate()`: materials with
translations, areas, shares and extracted text in a SQLite database), plus the thesaurus
of seed_data/thesaurus.csv as `pan seed` loads it (so searches are expanded), a trainer
with a read API token, and the index built by `pan reindex`. The server is gunicorn with
the repository's gunicorn.conf.py, pointed at that instance through the environment that
config.py reads, on a free port of 127.0.0.1. API rate limits are raised far above what
the run can reach (the counting itself still happens, in the configured store).

Each page is driven for --seconds by --clients threads, each with its own keep-alive
connection (or by wrk's connections, `--client wrk`). Per page: requests/s, p50/p95/p99
latency, the server's CPU per request (user + system time of gunicorn's master and
workers over the page, workers replaced meanwhile included, divided by the requests: the
figure that depends least on what else the machine runs),
errors (no answer, or a status outside 2xx/3xx), the RSS of gunicorn's worker processes
at the end of the page, and the 1-minute load average; "deaths" counts the workers the
server log reports killed by a signal or timed out meanwhile (their stacks are in the log). The clients run on the same
machine as the server and take CPU from it; on a shared host the figures are indicative
only. Exit status 1 on any error or death.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.reindex_bench import _app, populate  # noqa: E402
from bench.search_bench import AREAS  # noqa: E402

HOST = "127.0.0.1"
DEATH = re.compile(r"Worker \(pid:\d+\) was sent SIG|WORKER TIMEOUT")
BIN = Path(sys.executable).parent
RATE_LIMIT = 1_000_000_000  # per window: never reached, so no request is refused for its rate
TOKEN_USER = "load-trainer@pan.example"

# Queries in the corpus vocabulary (bench/search_bench.py DOMAIN), several of them thesaurus terms.
ONE_WORD = ["trafficking", "border", "corruption", "evidence", "cybercrime", "police", "training",
            "drugs", "polizei", "enquête", "полиция", "terrorism"]
TWO_WORDS = ["border control", "drug trafficking", "human trafficking", "community policing",
             "crime analysis", "forensic evidence", "police corruption", "terrorism prevention",
             "witnesses interview", "cybercrime investigation"]
THREE_WORDS = ["human trafficking victims", "border police training", "drug trafficking investigation",
               "community policing prevention", "forensic evidence interview", "corruption crime analysis"]


@dataclass
class Page:
    name: str
    paths: list[str]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    reconnects: int = 0
    samples: list[str] = field(default_factory=list)  # the first few errors, to report


# ------------------------------------------------------------------ the instance

def server_env(workdir: Path, rate_store: str) -> dict[str, str]:
    """The settings config.py reads, pointing at the bench instance."""
    env = dict(os.environ)
    env.update({
        "PAN_INSTANCE_DIR": str(workdir / "instance"),
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite'}",
        "PAN_STORAGE_DIR": str(workdir / "storage"),
        "PAN_INDEX_DIR": str(workdir / "index"),
        "PAN_API_RATE_LIMIT": str(RATE_LIMIT),
        "PAN_API_RATE_LIMIT_ANON": str(RATE_LIMIT),
        "PAN_MAIL_BACKEND": "console",
        "PYTHONFAULTHANDLER": "1",  # a worker killed by a fatal signal writes its threads' stacks to the log
    })
    env.pop("PAN_INPROCESS_SCHEDULER", None)  # several workers: never the in-process scheduler
    if rate_store:
        env["PAN_RATE_LIMIT_STORE"] = rate_store
    return env


def add_thesaurus_and_token(workdir: Path) -> dict:
    """The thesaurus as `pan seed` loads it, a trainer of the first academy and a read API token
    (the operations behind `pan create-user` and `pan create-token`); public item ids to fetch."""
    from sqlalchemy import select

    from pan_platform.accounts import operations as ops
    from pan_platform.catalogue.models import Item
    from pan_platform.extensions import db
    from pan_platform.organisations.models import Organisation
    from pan_platform.thesaurus.operations import seed_if_empty

    with _app(workdir).app_context():
        terms = seed_if_empty(ROOT / "seed_data" / "thesaurus.csv")
        db.session.commit()
        academy = db.session.scalar(select(Organisation).where(Organisation.kind == "academy").order_by(Organisation.id))
        user = ops.create_user(academy, TOKEN_USER, "Load trainer", "trainer", "load-bench-Passw0rd-not-secret")
        token = ops.create_api_token(user, "load", "read", None)
        db.session.commit()
        items = list(db.session.scalars(select(Item.id).where(
            Item.visibility == "public", Item.state == "published").order_by(Item.id).limit(500)))
    return {"terms": terms, "token": token, "public_items": items}


def prepare(workdir: Path, n: int, seed: int, body_kb: int, rate_store: str) -> dict:
    """Build the instance in workdir, or reuse the one there."""
    info_path = workdir / "load.json"
    if info_path.exists():
        info = json.loads(info_path.read_text())
        print(f"reusing the {info['n']} materials in {workdir}")
        return info
    started = time.perf_counter()
    populate(workdir, n, seed, body_kb)
    info = {"n": n, **add_thesaurus_and_token(workdir)}
    print(f"inserted {n} materials and {info['terms']} thesaurus terms in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", "pan", "reindex"], cwd=ROOT,
                   env=server_env(workdir, rate_store), check=True, stdout=subprocess.DEVNULL)
    print(f"pan reindex: {time.perf_counter() - started:.0f} s")
    info_path.write_text(json.dumps(info))
    return info


# ------------------------------------------------------------------ the server

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(workdir: Path, port: int, workers: int, rate_store: str) -> subprocess.Popen:
    """gunicorn as `make serve` starts it; its output goes to workdir/server.log."""
    log = open(workdir / "server.log", "ab")  # noqa: SIM115 (open while the server runs)
    env = server_env(workdir, rate_store)
    env["WORKERS"] = str(workers)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--workers", str(workers),
         "--bind", f"{HOST}:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}; see {workdir / 'server.log'}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            body = response.read()
            conn.close()
            if response.status == 200:
                return server
            raise SystemExit(f"/healthz answered {response.status}: {body[:300]!r}")
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=40)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def worker_deaths(log_path: Path, since: int) -> list[str]:
    """Lines of the server log written after byte `since` that report a worker killed or timed out.
    Counted apart from the clients' errors: a request cut off by a dying worker on a reused
    connection looks like a closed idle connection to the client, which retries it."""
    with open(log_path, "rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    return [line for line in text.splitlines() if DEATH.search(line)]


def _worker_files(master_pid: int, name: str) -> list[str]:
    """/proc/<pid>/<name> of each child of the gunicorn master (one replaced meanwhile by
    max_requests is left out)."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return []
    texts = []
    for pid in children:
        try:
            texts.append(Path(f"/proc/{pid}/{name}").read_text())
        except OSError:
            continue
    return texts


def workers_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of the gunicorn master and all its workers, the ones replaced meanwhile
    by max_requests included (their time moves into the master's cutime/cstime when reaped)."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        master = Path(f"/proc/{master_pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # after the command name: utime, stime, cutime, cstime are fields 11-14
    total = sum(int(field) for field in master[11:15])
    for text in _worker_files(master_pid, "stat"):
        fields = text.rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


def worker_rss_mb(master_pid: int) -> list[float]:
    """VmRSS of each child of the gunicorn master, MB."""
    return [int(line.split()[1]) / 1024 for text in _worker_files(master_pid, "status")
            for line in text.splitlines() if line.startswith("VmRSS:")]


# ------------------------------------------------------------------ the clients

def client(port: int, page: Page, offset: int, stop_at: float, tally: Tally, lock: threading.Lock) -> None:
    """One keep-alive connection, requesting the page's paths in turn until stop_at."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    fresh = True
    latencies, errors, reconnects, samples = [], 0, 0, []
    i = offset
    while time.monotonic() < stop_at:
        path = page.paths[i % len(page.paths)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers=page.headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            if not fresh:  # the server closed an idle or recycled connection: a client retries
                reconnects += 1
                fresh = True
                i -= 1
                continue
            errors += 1
            samples.append(f"{path}: {error!r}")
            continue
        except (OSError, http.client.HTTPException) as error:  # refused, reset mid-reply, cut short
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            fresh = True
            errors += 1
            samples.append(f"{path}: {error!r}")
            continue
        fresh = False
        latencies.append(time.perf_counter() - started)
        if not 200 <= status < 400:
            errors += 1
            samples.append(f"{path}: {status}")
        if response.will_close:
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=60)
            fresh = True
    conn.close()
    with lock:
        tally.latencies += latencies
        tally.errors += errors
        tally.reconnects += reconnects
        tally.samples += samples[:3]


def drive(port: int, page: Page, clients: int, seconds: float) -> tuple[Tally, float]:
    tally, lock = Tally(), threading.Lock()
    started = time.monotonic()
    stop_at = started + seconds
    threads = [threading.Thread(target=client, args=(port, page, k * 7, stop_at, tally, lock)) for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally, time.monotonic() - started


# wrk (a C client: `--client wrk`) requests the page's paths in turn on each of its
# connections and prints its own figures at the end (latencies in microseconds).
WRK_SCRIPT = """
local paths = {%(paths)s}
local headers = {%(headers)s}
local counter = 0
setup = function(thread) thread:set("start", counter); counter = counter + 7 end
request = function()
  start = (start or 0) + 1
  return wrk.format("GET", paths[(start %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %%d %%d %%d %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.connect + e.write + e.timeout, e.read, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, 0))
end
"""


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def drive_wrk(port: int, page: Page, clients: int, seconds: float, workdir: Path) -> tuple[Tally, float, dict]:
    """The page driven by wrk: (tally without latencies, elapsed, figures in ms)."""
    script = workdir / "wrk.lua"
    script.write_text(WRK_SCRIPT % {
        "paths": ", ".join(_lua(path) for path in page.paths),
        "headers": ", ".join(f"[{_lua(k)}] = {_lua(v)}" for k, v in page.headers.items()),
    })
    threads = max(1, min(2, clients))
    out = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{max(1, round(seconds))}s", "--timeout", "60s",
         "-s", str(script), f"http://{HOST}:{port}"],
        capture_output=True, text=True, check=True,
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    requests, duration_us, socket_errors, closed, status_errors, p50, p95, p99, _max, _ = (
        int(v) for v in line.split()[1:])
    # A read error is a connection the server closed before answering: a kept-alive connection
    # of a worker replaced after max_requests (a worker that died is counted from the log).
    # Browsers and the Python client retry those, so they are reported as such, not as errors.
    tally = Tally(errors=socket_errors + status_errors, reconnects=closed)
    if tally.errors:
        tally.samples.append(f"wrk: {socket_errors} connect, write or timeout errors, "
                             f"{status_errors} answers outside 2xx/3xx")
    return tally, duration_us / 1e6, {"requests": requests, "p50": p50 / 1000, "p95": p95 / 1000, "p99": p99 / 1000}


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def pages(info: dict) -> list[Page]:
    def search(words: list[str]) -> list[str]:
        return [f"/search?{urlencode({'q': q})}" for q in words]

    api = [f"/api/v1/search?{urlencode({'q': q})}" for q in TWO_WORDS + ONE_WORD]
    items = info["public_items"] or [1]
    return [
        Page("home", ["/"]),
        Page("search, 1 word", search(ONE_WORD)),
        Page("search, 2 words", search(TWO_WORDS)),
        Page("search, 3 words", search(THREE_WORDS)),
        Page("catalogue, area filter", [f"/catalogue?{urlencode({'area': a})}" for a in AREAS]),
        Page("item page", [f"/items/{i}" for i in items]),
        Page("API search, anonymous", api),
        Page("API search, token", api, {"Authorization": f"Bearer {info['token']}"}),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="materials (default 10000)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--seconds", type=float, default=20, help="seconds per page (default 20)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn processes (default 3, as make serve)")
    parser.add_argument("--seed", type=int, default=20240501)
    parser.add_argument("--body-kb", type=int, default=16, help="extracted text per material, KB")
    parser.add_argument("--rate-store", default="", choices=["", "database", "redis", "memory"],
                        help="PAN_RATE_LIMIT_STORE for the server (default: as configured; the database)")
    parser.add_argument("--keep", type=Path, help="keep the instance in this directory (reused when present)")
    parser.add_argument("--only", action="append", default=[],
                        help="drive only the pages whose name contains this (repeatable), e.g. --only catalogue")
    parser.add_argument("--client", default="python", choices=["python", "wrk"],
                        help="python: threads of this process (default); wrk: Debian's wrk, which takes "
                             "far less of the shared CPUs from the server")
    parser.add_argument("--redis", nargs="?", const="redis://127.0.0.1:6379/0", default="",
                        help="run the server with PAN_REDIS_URL (this URL, default redis://127.0.0.1:6379/0) "
                             "and a key prefix of this run's own: kept pages, counts, rate limits and the "
                             "double-click window shared by the workers")
    parser.add_argument("--smoke", action="store_true", help="200 materials, 4 clients, 3 s a page")
    args = parser.parse_args(argv)
    if args.smoke:
        args.n, args.clients, args.seconds = 200, 4, 3

    if args.redis:  # read by server_env(); a fresh prefix, so nothing of an earlier run is reused
        os.environ["PAN_REDIS_URL"] = args.redis
        os.environ["PAN_REDIS_KEY_PREFIX"] = f"pan-load-{os.getpid()}-{int(time.time())}:"
    workdir = (args.keep or Path(tempfile.mkdtemp(prefix="pan-load-bench-"))).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    info = prepare(workdir, args.n, args.seed, args.body_kb, args.rate_store)
    port = free_port()
    server = start_server(workdir, port, args.workers, args.rate_store)
    print(f"gunicorn (gunicorn.conf.py, {args.workers} workers x {os.environ.get('THREADS', '1')} threads) on "
          f"{HOST}:{port}; {info['n']} materials; {os.cpu_count()} CPUs; {args.clients} clients, "
          f"{args.seconds:g} s a page; API rate limits raised to {RATE_LIMIT} per window "
          f"(store: {args.rate_store or 'as configured'}); "
          f"Redis: {os.environ.get('PAN_REDIS_URL') or 'none (pages and counts kept per worker)'}; "
          f"server log {workdir / 'server.log'}")
    print(f"{'page':<24} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'requests':>8} {'CPU ms':>7} "
          f"{'errors':>6} {'deaths':>6}  {'workers RSS MB':<18} load avg")
    failed = False
    try:
        for page in pages(info):
            if args.only and not any(word in page.name for word in args.only):
                continue
            log_size = (workdir / "server.log").stat().st_size
            cpu_before = workers_cpu_seconds(server.pid)
            if args.client == "wrk":
                tally, elapsed, figures = drive_wrk(port, page, args.clients, args.seconds, workdir)
            else:
                tally, elapsed = drive(port, page, args.clients, args.seconds)
                values = sorted(tally.latencies)
                figures = {"requests": len(values), **{f"p{q}": percentile(values, q / 100) * 1000 for q in (50, 95, 99)}}
            cpu_ms = (workers_cpu_seconds(server.pid) - cpu_before) * 1000 / max(1, figures["requests"])
            deaths = worker_deaths(workdir / "server.log", log_size)
            rss = worker_rss_mb(server.pid)
            load = os.getloadavg()
            print(f"{page.name:<24} {figures['requests'] / elapsed:7.1f} {figures['p50']:7.0f} "
                  f"{figures['p95']:7.0f} {figures['p99']:7.0f} "
                  f"{figures['requests']:8d} {cpu_ms:7.1f} {tally.errors:6d} {len(deaths):6d}  "
                  f"{'/'.join(f'{s:.0f}' for s in rss):<18} "
                  f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}", flush=True)
            if tally.reconnects and args.client == "wrk":
                print(f"    ({tally.reconnects} requests met a kept-alive connection the server had closed, "
                      "a worker replaced after max_requests; wrk does not retry them, a browser does)")
            elif tally.reconnects:
                print(f"    ({tally.reconnects} requests retried on a new connection after the server closed one)")
            for sample in tally.samples[:5]:
                print(f"    error: {sample}")
            for line in deaths[:5]:
                print(f"    server: {line}")
            failed = failed or tally.errors > 0 or bool(deaths)
    finally:
        stop_server(server)
    if failed:
        print(f"errors under load: see {workdir / 'server.log'}")
    if not args.keep and not failed:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
