"""report-fresh: `microreg list` / `get` from a fresh process beside go-micro's
ListServices / GetService from a fresh process, 100 services on 3 test hosts.

The runs are tests/netns/lookup-bench's (its LOOKUP_BENCH_JSON lines, with
every run's wall time); this turns them into the report's scenario.

    make report-fresh [QUICK=1]     (inside tests/netns/isolated)
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns import ROOT, log, median, percentile, require_isolated  # noqa: E402
from scenario import Scenario, quick  # noqa: E402

QUICK = quick()
RUNS = 3 if QUICK else 20


def main():
    require_isolated("report-fresh")
    s = Scenario("fresh", "A lookup from a fresh process: `microreg list` / `get` beside go-micro", f"""\
Three test hosts on a bridge (network namespaces); 100 services of one node
each spread over them (34 + 33 + 33) and one service of 100 nodes (50 on host
1, 50 on host 3), registered by microreg (both dialects, so go-micro and
DNS-SD browsers see them). On host 2, {RUNS} fresh processes each:

- `microreg --json list` (release CLI) and go-micro v5.30.0's
  `ListServices` (its default mdns registry, a small program:
  tests/interop/gomicro);
- `microreg --json get bench-many` and go-micro's `GetService("bench-many")`;
- for reference, `microreg --backend memory list`: the process's own start
  and exit, with no lookup.

Each figure is the wall time of the whole process, start to exit, and whether
it found everything (100 of 100 services, or 100 of 100 nodes). Runs come from
tests/netns/lookup-bench (`make bench-lookup` prints them as text).""")
    s.peer("microreg", "release CLI, mdns backend defaults (both dialects; a lookup asks the LAN and answers "
                       "once the answers stop arriving)")
    s.peer("go-micro", "v5.30.0, `registry.NewRegistry()` (mdns; each call asks once and waits its fixed "
                       "100 ms timeout); `ListServices` returns names only")
    with tempfile.NamedTemporaryFile(prefix="lookup-bench-", suffix=".json", delete=False) as out:
        path = out.name
    env = {**os.environ, "LOOKUP_BENCH_JSON": path, "RUNS": str(RUNS), "SKIP_IMPAIRED": "1"}
    log(f"report-fresh: tests/netns/lookup-bench, {RUNS} runs each")
    done = subprocess.run([os.path.join(ROOT, "tests", "netns", "lookup-bench")], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sys.stderr.write(done.stdout)
    with open(path) as f:
        figures = [json.loads(line) for line in f if line.strip()]
    os.unlink(path)
    if done.returncode != 0:
        s.note(f"tests/netns/lookup-bench failed ({done.returncode}); the figures below are those it printed "
               "before it stopped.")

    rows, series = [], []
    for fig in figures:
        ms = fig["ms"]
        complete = "—" if fig["complete"] is None else f"{fig['complete']} of {fig['runs']}"
        rows.append([fig["figure"], fig["runs"], median(ms), percentile(ms, 0.9), min(ms), max(ms), complete])
        series.append({"label": fig["figure"], "samples": ms})
    s.table("Fresh process, 3 hosts, wall time (ms)",
            ["command", "runs", "median", "p90", "min", "max", "complete"], rows)
    s.plot("cdf", "Fresh-process lookup on host 2: wall time", series, x_label="ms (process start to exit)")
    s.note("go-micro's ListServices returns service names only (no nodes); a fresh go-micro process "
           "hears the LAN for exactly its 100 ms timeout, so it is fast but finds only what answers within it.")
    s.note("The etcd side (microreg CLI on etcd beside go-micro's registry/etcd from a fresh process) is not "
           "measured yet.")
    if QUICK:
        s.note(f"QUICK run: {RUNS} runs per command.")

    by = {f["figure"]: f for f in figures}
    lst, get = by.get("microreg list"), by.get("microreg get")
    if lst:
        m = median(lst["ms"])
        s.target("`microreg list`, 100 services on 3 hosts, fresh process, median", "≤ 300 ms", f"{m} ms",
                 m <= 300, "" if m <= 300 else
                 f"the machine's load average was {s.doc['loadavg'][0]:.1f} at the start (2 cores; the process "
                 f"start alone took a median {median(by.get('microreg list --backend memory (process start and exit)', {'ms': [0]})['ms'])} ms)")
        s.target("`microreg list` complete (100 of 100 services)", "every run", f"{lst['complete']} of {lst['runs']}",
                 lst["complete"] == lst["runs"], "" if lst["complete"] == lst["runs"] else "some runs missed services")
    gl, gg = by.get("go-micro ListServices"), by.get("go-micro GetService")
    if lst and get:
        peers = []
        if gl:
            peers.append(f"go-micro ListServices {median(gl['ms'])} ms ({gl['complete']}/{gl['runs']} complete, names only)")
        if gg:
            peers.append(f"go-micro GetService {median(gg['ms'])} ms ({gg['complete']}/{gg['runs']} complete)")
        s.headline("fresh-process `list` / `get`, 100 services on 3 hosts (median)",
                   f"list {median(lst['ms'])} ms ({lst['complete']}/{lst['runs']} complete); "
                   f"get {median(get['ms'])} ms ({get['complete']}/{get['runs']} complete)",
                   "; ".join(peers) or "not measured", "list ≤ 300 ms")
    s.write()
    if done.returncode != 0:
        sys.exit("report-fresh: tests/netns/lookup-bench failed")


if __name__ == "__main__":
    main()
