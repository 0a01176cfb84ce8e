"""One scenario of the benchmark report: its JSON schema (validate) and a small
builder the runners use to write it (Scenario).

A scenario file is $REPORT_DIR/data/<name>.json; `make bench-report` runs every
runner (REPORT_RUNNERS in mk/*.mk), then benches/report/render.py turns the
files into benchmarks.md, one PNG per plot and one CSV per table.

Standard library only: runners run with the system python3, inside the test
namespaces; only the renderer needs matplotlib.
"""

import datetime
import json
import os
import platform

PLOT_KINDS = ("line", "bar", "cdf")


class SchemaError(ValueError):
    """A scenario file that does not follow the schema; the message names the field."""


def _expect(cond, where, message):
    if not cond:
        raise SchemaError(f"{where}: {message}")


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _string(doc, key, where, optional=False):
    if optional and key not in doc:
        return
    _expect(key in doc, where, f'missing "{key}"')
    _expect(isinstance(doc[key], str), f"{where}.{key}", "must be a string")


def _list(doc, key, where):
    _expect(key in doc, where, f'missing "{key}"')
    _expect(isinstance(doc[key], list), f"{where}.{key}", "must be a list")
    return doc[key]


def _validate_table(table, where):
    _expect(isinstance(table, dict), where, "must be an object")
    _string(table, "title", where)
    columns = _list(table, "columns", where)
    _expect(columns and all(isinstance(c, str) for c in columns), f"{where}.columns", "must be a non-empty list of strings")
    for r, row in enumerate(_list(table, "rows", where)):
        at = f"{where}.rows[{r}]"
        _expect(isinstance(row, list), at, "must be a list")
        _expect(len(row) == len(columns), at, f"has {len(row)} cells for {len(columns)} columns")
        for c, cell in enumerate(row):
            _expect(cell is None or isinstance(cell, (str, int, float)), f"{at}[{c}]", "must be a string, a number or null")


def _validate_plot(plot, where):
    _expect(isinstance(plot, dict), where, "must be an object")
    _expect(plot.get("kind") in PLOT_KINDS, f"{where}.kind", f"must be one of {', '.join(PLOT_KINDS)}")
    for key in ("title", "x_label", "y_label"):
        _string(plot, key, where, optional=(key != "title"))
    for key in ("log_x", "log_y"):
        if key in plot:
            _expect(isinstance(plot[key], bool), f"{where}.{key}", "must be true or false")
    series = _list(plot, "series", where)
    for s, one in enumerate(series):
        at = f"{where}.series[{s}]"
        _expect(isinstance(one, dict), at, "must be an object")
        _string(one, "label", at)
        if plot["kind"] == "cdf":
            samples = _list(one, "samples", at)
            _expect(all(_is_number(v) for v in samples), f"{at}.samples", "must be numbers")
        else:
            xs, ys = _list(one, "x", at), _list(one, "y", at)
            _expect(len(xs) == len(ys), at, f"x has {len(xs)} values, y {len(ys)}")
            _expect(all(v is None or _is_number(v) for v in ys), f"{at}.y", "must be numbers (or null: not measured)")
            if plot["kind"] == "line":
                _expect(all(_is_number(v) for v in xs), f"{at}.x", "must be numbers in a line plot")
            else:
                _expect(all(isinstance(v, (str, int, float)) for v in xs), f"{at}.x", "must be labels or numbers")


def validate(doc, where="scenario"):
    """Raises SchemaError naming the first field that does not follow the schema."""
    _expect(isinstance(doc, dict), where, "must be a JSON object")
    for key in ("scenario", "title", "description", "date"):
        _string(doc, key, where)
    _expect(doc["scenario"] and "/" not in doc["scenario"] and not doc["scenario"].startswith("."),
            f"{where}.scenario", "must be a plain name")
    try:
        datetime.datetime.fromisoformat(doc["date"].replace("Z", "+00:00"))
    except ValueError:
        raise SchemaError(f"{where}.date: not an ISO-8601 date: {doc['date']!r}") from None
    _expect(isinstance(doc.get("quick"), bool), f"{where}.quick", "must be true or false")
    _expect(isinstance(doc.get("peers"), dict), f"{where}.peers", "must be an object {label: configuration}")
    for label, text in doc["peers"].items():
        _expect(isinstance(text, str), f"{where}.peers.{label}", "must be a string")
    load = doc.get("loadavg")
    _expect(isinstance(load, list) and len(load) == 2 and all(_is_number(v) for v in load),
            f"{where}.loadavg", "must be [start_1min, end_1min]")
    for t, table in enumerate(_list(doc, "tables", where)):
        _validate_table(table, f"{where}.tables[{t}]")
    for p, plot in enumerate(_list(doc, "plots", where)):
        _validate_plot(plot, f"{where}.plots[{p}]")
    for t, target in enumerate(_list(doc, "targets", where)):
        at = f"{where}.targets[{t}]"
        _expect(isinstance(target, dict), at, "must be an object")
        for key in ("what", "target", "measured"):
            _string(target, key, at)
        _expect(target.get("met") in (True, False, None), f"{at}.met", "must be true, false or null (not measured)")
        if target["met"] is not True:
            _string(target, "why", at)
    for h, line in enumerate(_list(doc, "headline", where)):
        at = f"{where}.headline[{h}]"
        _expect(isinstance(line, dict), at, "must be an object")
        for key in ("what", "microreg", "peers", "target"):
            _string(line, key, at)
    for n, note in enumerate(_list(doc, "notes", where)):
        _expect(isinstance(note, str), f"{where}.notes[{n}]", "must be a string")
    return doc


def quick():
    """QUICK=1 (make bench-report QUICK=1): the short smoke-test version."""
    return os.environ.get("QUICK", "") not in ("", "0")


def report_dir():
    return os.environ.get("REPORT_DIR") or "build/bench-report"


def loadavg_1min():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


class Scenario:
    """Collects one scenario's figures and writes $REPORT_DIR/data/<name>.json."""

    def __init__(self, name, title, description):
        self.doc = {
            "scenario": name,
            "title": title,
            "description": description,
            "peers": {},
            "quick": quick(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "loadavg": [loadavg_1min(), None],
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Linux {platform.release()}",
            "tables": [],
            "plots": [],
            "targets": [],
            "headline": [],
            "notes": [],
        }

    def peer(self, label, configuration):
        self.doc["peers"][label] = configuration

    def table(self, title, columns, rows):
        self.doc["tables"].append({"title": title, "columns": list(columns), "rows": [list(r) for r in rows]})

    def plot(self, kind, title, series, x_label="", y_label="", log_x=False, log_y=False):
        self.doc["plots"].append({"kind": kind, "title": title, "x_label": x_label, "y_label": y_label,
                                  "log_x": log_x, "log_y": log_y, "series": series})

    def target(self, what, target, measured, met, why=""):
        entry = {"what": what, "target": target, "measured": measured, "met": met}
        if met is not True:
            entry["why"] = why or "not measured"
        self.doc["targets"].append(entry)

    def headline(self, what, microreg, peers, target=""):
        self.doc["headline"].append({"what": what, "microreg": microreg, "peers": peers, "target": target})

    def note(self, text):
        self.doc["notes"].append(text)

    def write(self):
        self.doc["loadavg"][1] = loadavg_1min()
        validate(self.doc, self.doc["scenario"])
        data = os.path.join(report_dir(), "data")
        os.makedirs(data, exist_ok=True)
        path = os.path.join(data, self.doc["scenario"] + ".json")
        with open(path + ".tmp", "w") as f:
            json.dump(self.doc, f, indent=1, ensure_ascii=False)
            f.write("\n")
        os.replace(path + ".tmp", path)
        print(f"{self.doc['scenario']}: wrote {path}")
        return path
