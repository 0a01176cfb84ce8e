"""report-lookup: a warm lookup of a 3-node service on every face of microreg
(Rust, C, Python, Go) beside each peer's fastest lookup path, in one run.

Each figure comes from the face's own benchmark in its machine-readable mode
(criterion's estimates.json, `bench_get_service --json`, `bench_get_service.py
--json`, Go's benchmark format, examples/mdns_lookup_bench.rs's JSON lines,
the etcd benches' `name value unit` lines); nothing here times a lookup itself
except avahi's, which has no library path to time (a fresh avahi-browse each).

    make report-lookup [QUICK=1]     (inside tests/netns/isolated)
"""

import glob
import json
import os
import re
import shlex
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns import ROOT, UUID, Hosts, log, median, require_isolated  # noqa: E402
from scenario import Scenario, quick  # noqa: E402

QUICK = quick()
RELEASE = os.path.join(ROOT, "target", "release")


def sh(argv, env=None, timeout=600, cwd=ROOT):
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env=None if env is None else {**os.environ, **env})
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))[:120]} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return done.stdout


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


# ---- one function per face or peer; each returns [(face, path, ns)] ----

RUST_BENCHES = {
    "Client get_service (3 nodes, warm)": "Client::get_service (owned copy)",
    "Client read_cached (3 nodes, warm, borrowed, no copy)": "Client::read_cached (borrowed)",
}


def rust():
    # criterion writes each benchmark's estimates as JSON under target/criterion.
    times = ["--warm-up-time", "0.3", "--measurement-time", "0.7"] if QUICK else \
        ["--warm-up-time", "1", "--measurement-time", "3"]
    pattern = "|".join("^" + re.escape(name) + "$" for name in RUST_BENCHES)
    sh(["cargo", "bench", "--offline", "--bench", "get_service", "--", "--noplot", *times, pattern])
    rows = []
    for path in glob.glob(os.path.join(ROOT, "target", "criterion", "*", "new", "benchmark.json")):
        with open(path) as f:
            title = json.load(f).get("title")
        if title in RUST_BENCHES:
            with open(os.path.join(os.path.dirname(path), "estimates.json")) as f:
                rows.append(("Rust", RUST_BENCHES[title], json.load(f)["median"]["point_estimate"]))
    return sorted(rows)


def c():
    line = json_lines(sh([os.path.join(ROOT, "build", "c", "bench_get_service"), "--json"]))[0]
    return [("C", "microreg_registry_get_service (JSON out)", line["ns_per_lookup"])]


def python():
    py = os.path.join(ROOT, "build", "python-venv", "bin", "python")
    out = sh([py, "bindings/python/bench/bench_get_service.py", "--json"] + (["--quick"] if QUICK else []))
    rows = []
    for line in json_lines(out):
        face = "python-zeroconf" if line["path"].startswith("python-zeroconf") else "Python"
        if line["us_per_lookup"] is None:
            log(f"report-lookup: {line['path']}: {line['error']}")
            continue
        rows.append((face, line["path"].replace("microreg ", ""), line["us_per_lookup"] * 1000))
    return rows


# Go's benchmark result lines ("BenchmarkName-P  N  123 ns/op ...") are its
# standard, specified machine-readable format (golang.org/design/14313).
GO_LINE = re.compile(r"^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op")


def go_bench(module, bench, benchtime):
    command = os.environ.get("REPORT_GO", "go")
    out = sh(["sh", "-c", f"cd {shlex.quote(module)} && {command} test -count=1 -run '^$' "
              f"-bench {shlex.quote(bench)} -benchtime {benchtime} ."])
    return [(m.group(1), float(m.group(2))) for m in map(GO_LINE.match, out.splitlines()) if m]


def go():
    # QUICK: one `go test` (each links a cgo test binary, seconds apiece).
    n = "3000x" if QUICK else "1s"
    rows = []
    backends = "memory" if QUICK else "(memory|mdns)"
    for name, ns in go_bench("bindings/go", f"^BenchmarkGetService$/^backend={backends}$", n):
        rows.append(("Go", f"Registry.GetService ({name.split('=')[-1]} backend)", ns))
    if QUICK:
        return rows
    for name, ns in go_bench("bindings/go/gomicro", "^BenchmarkGetService$/^microreg$/^backend=memory$", n):
        rows.append(("Go", "go-micro adapter GetService (memory backend)", ns))
    for name, ns in go_bench("bindings/go/gomicro", "^BenchmarkGetService$/^go-micro$/^mdns$",
                             "3x" if QUICK else "20x"):
        rows.append(("go-micro", "mdns registry GetService (its default registry)", ns))
    return rows


def on_hosts():
    """A 3-node service registered on host 1 by microreg (both dialects); the
    lookups run on host 2, where each peer holds it in its cache."""
    rows, notes = [], []
    rounds = "2000" if QUICK else "200000"
    with Hosts(2) as hosts:
        owner = hosts.start(1, [f"{RELEASE}/examples/mdns_peer", "register", "--service", "lk",
                                "--id", f"lk-{UUID}", "--address", "10.77.0.1:8080", "--count", "3"])
        if not owner.wait_for("ready", 15):
            raise RuntimeError("mdns_peer did not register")
        bench = f"{RELEASE}/examples/mdns_lookup_bench"
        for path, peer_rounds in (("microreg", rounds), ("mdns-sd", "500" if QUICK else "5000")):
            _, out = hosts.run(2, [bench, path, "lk", "3", peer_rounds])
            for line in json_lines(out):
                rows.append(("Rust, mdns" if path == "microreg" else "mdns-sd", line["path"] + ", other host's nodes",
                             line["ns_per_lookup"]))
        if os.environ.get("REPORT_AVAHI") == "1":
            rows += avahi(hosts, notes)
        else:
            notes.append("avahi was not measured (REPORT_AVAHI unset: avahi-daemon not installed).")
    return rows, notes


def avahi(hosts, notes):
    # avahi/run puts the daemon on host 2 itself, with its D-Bus socket on a
    # tmpfs of the isolated namespace's mounts (which avahi-browse then sees).
    daemon = hosts.start(None, ["tests/interop/avahi/run", "2"])
    if not daemon.wait_for("ready", 20):
        notes.append("avahi-daemon did not start; not measured.")
        return []
    env = ["env", "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/avahi-daemon/test-bus"]
    browse = env + ["avahi-browse", "-r", "-t", "-p", "_micro._tcp"]

    def resolved(out):
        return len({line.split(";")[3] for line in out.splitlines()
                    if line.startswith("=") and "lk-" in line and ";IPv4;" in line})

    deadline = time.monotonic() + 15
    while resolved(hosts.run(2, browse)[1]) < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    took = []
    for _ in range(3 if QUICK else 20):
        seconds, out = hosts.run(2, browse + ["-c"])  # -c: answer from the daemon's cache only
        if resolved(out) == 3:
            took.append(seconds * 1e9)
    if not took:
        notes.append("avahi: its cache never held the 3 nodes; not measured.")
        return []
    notes.append("avahi has no in-process lookup to time: its figure is a fresh `avahi-browse -r -t -p -c` "
                 "process reading avahi-daemon's cache over D-Bus, process start included (median of "
                 f"{len(took)}).")
    return [("avahi", "avahi-browse -rtpc (daemon's cache, fresh process)", median(took))]


def etcd():
    """microreg's etcd backend and go-micro's registry/etcd, each on a fresh etcd
    on 127.0.0.1: their `name value unit` lines, the bulk sizes left out."""
    env = {"MICROREG_BENCH_SIZES": "none", "MICROREG_BENCH_WINDOW_S": "1"}
    with_etcd = os.path.join(ROOT, "tests", "etcd", "with-etcd")
    figures = {}
    for side, argv in (("microreg", [f"{RELEASE}/examples/etcd_bench"]),
                       ("go-micro", ["sh", "-c", 'MICRO_REGISTRY_ADDRESS=$MICROREG_TEST_ETCD exec "$0" bench',
                                     os.path.join(ROOT, "build", "etcd", "gomicro-etcd-peer")])):
        out = sh([with_etcd, *argv], env=env)
        figures[side] = {p[0]: float(p[1]) for p in (line.split() for line in out.splitlines()) if len(p) == 3}
    return [
        ("etcd: microreg", "Client get_service, warm cache", figures["microreg"]["etcd_get_service_warm"] * 1000),
        ("etcd: microreg", "get_service, one etcd read (no cache)", figures["microreg"]["etcd_get_service_uncached"] * 1000),
        ("etcd: go-micro", "registry/cache GetService, warm", figures["go-micro"]["etcd_get_service_warm"] * 1000),
        ("etcd: go-micro", "registry/etcd GetService (one etcd read)", figures["go-micro"]["etcd_get_service_uncached"] * 1000),
    ]


def main():
    require_isolated("report-lookup")
    s = Scenario("lookup", "Warm lookup per face beside each peer's fastest path", """\
A lookup of a service with 3 nodes that the registry already holds (a warm
cache), on every face of microreg and with each peer's fastest lookup path, all
in one run on this machine:

- in process, memory backend: Rust (`benches/get_service.rs`, criterion), C
  (`benches/c/bench_get_service.c`, the JSON answer handed out and freed),
  Python (`bindings/python/bench/bench_get_service.py`) and Go
  (`bindings/go`, `bindings/go/gomicro` benchmarks);
- mDNS, 2 test hosts on a bridge (network namespaces): microreg registers the
  3 nodes on host 1 (`mdns_peer`), and the lookups run on host 2 —
  microreg's `get_service` and mdns-sd's cache-only browse
  (`examples/mdns_lookup_bench.rs`), and `avahi-browse -c` against
  avahi-daemon's cache; python-zeroconf and go-micro's mdns registry are
  measured on loopback inside their face's benchmark (zeroconf registers and
  reads its own 3 instances; go-micro queries and waits for answers);
- etcd: microreg's etcd backend beside go-micro v5.30.0's `registry/etcd`,
  each on a fresh etcd 3.4 on 127.0.0.1 (`examples/etcd_bench.rs`,
  `tests/interop/gomicro-etcd/bench.go`).

Each figure is the median time per lookup over several batches; lower is better.""")
    s.peer("microreg", "this tree, release build; memory, mdns (both dialects) and etcd backends with their "
                       "defaults (cache on, 60 s cache TTL for entries no watch keeps current)")
    s.peer("mdns-sd", "0.21 (the version microreg links), `ServiceDaemon` defaults; a live browse of "
                      "`_micro._tcp.local.` keeps its cache, each lookup a `browse_cache` until `SearchStopped`")
    s.peer("python-zeroconf", "the version pinned in tests/interop/zeroconf/requirements.txt, defaults; "
                              "`ServiceInfo.load_from_cache` for each of the 3 instances (its fastest), and "
                              "`Zeroconf.get_service_info` answered from its cache")
    s.peer("go-micro", "v5.30.0, `registry.NewRegistry()` (its default mdns registry, 100 ms query timeout); "
                       "for etcd `registry/etcd` with defaults, with and without its `registry/cache`")
    s.peer("avahi", "Debian's avahi-daemon 0.8 with tests/interop/avahi/avahi-daemon.conf (host-only, mr0), "
                    "`avahi-browse -r -t -p -c _micro._tcp`")
    rows, notes = [], []
    parts = [] if QUICK else [("Rust", rust)]
    parts += [("C", c), ("Python", python), ("Go", go), ("mDNS hosts", on_hosts)]
    if not QUICK:
        parts.append(("etcd", etcd))
    else:
        s.note("QUICK run: no Rust criterion run (its build takes minutes from cold), Go's memory backend alone, a tenth of the Python calls, 3 avahi lookups, "
               "and no etcd part.")
    failed = []
    for label, part in parts:
        log(f"report-lookup: {label} ...")
        try:
            got = part()
        except Exception as error:  # one face failing must not lose the others
            failed.append(label)
            s.note(f"{label}: not measured: {error}")
            continue
        if isinstance(got, tuple):
            got, extra = got
            notes += extra
        rows += got
    for n in notes:
        s.note(n)
    rows = [(face, path, round(ns, 1)) for face, path, ns in rows]
    s.table("Warm lookup, 3 nodes (median)", ["face or peer", "path", "ns per lookup"], rows)
    s.plot("bar", "Warm lookup of a 3-node service (lower is better)",
           [{"label": "ns per lookup", "x": [f"{face}: {path}" for face, path, _ in rows],
             "y": [ns for _, _, ns in rows]}], y_label="ns per lookup (log)", log_y=True)

    def best(face):
        values = [ns for f, _, ns in rows if f == face]
        return min(values) if values else None

    def fmt(ns):
        return "not measured" if ns is None else (f"{ns / 1e6:.1f} ms" if ns >= 1e6 else
                                                  f"{ns / 1e3:.2f} µs" if ns >= 1e3 else f"{ns:.0f} ns")

    def path_of(face, words):
        return next((ns for f, p, ns in rows if f == face and all(w in p for w in words)), None)

    for what, face, words, target_ns, target in (
            ("Rust `Client::get_service`, warm", "Rust", ["owned copy"], 1000, "≤ 1 µs"),
            ("C `microreg_registry_get_service`, JSON included", "C", ["JSON"], 3000, "≤ 3 µs"),
            ("Python `Registry.get_service`, memory backend", "Python", ["Registry.get_service (memory)"], 10000, "≤ 10 µs"),
            ("Go `Registry.GetService`, memory backend", "Go", ["memory backend"], 3000, "≤ 3 µs")):
        ns = path_of(face, words)
        s.target(what, target, fmt(ns), None if ns is None else ns <= target_ns,
                 "QUICK run: not run" if ns is None and QUICK else "" if ns is None or ns <= target_ns else
                 f"measured on a shared 2-core machine (load average {s.doc['loadavg'][0]:.1f} at start)")
    peer_text = "; ".join(f"{face} {fmt(best(face))}" for face in ("mdns-sd", "python-zeroconf", "go-micro", "avahi")
                          if best(face) is not None)
    s.headline("warm lookup of 3 nodes: Rust / C / Python / Go",
               " / ".join(fmt(path_of(f, w)) for f, w in (("Rust", ["owned copy"]), ("C", ["JSON"]),
                                                            ("Python", ["(memory)"]), ("Go", ["memory backend"]))),
               peer_text or "not measured", "≤ 1 / 3 / 10 / 3 µs")
    if not QUICK and best("etcd: go-micro") is not None:
        s.headline("warm lookup on etcd (microreg cache vs go-micro registry/cache)",
                   fmt(path_of("etcd: microreg", ["warm"])), f"go-micro {fmt(path_of('etcd: go-micro', ['warm']))}")
    s.write()
    if failed:
        sys.exit(f"report-lookup: not measured: {', '.join(failed)}")


if __name__ == "__main__":
    main()
