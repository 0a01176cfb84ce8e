"""Tests of the report renderer (render.py) and the scenario schema (scenario.py)
on a made-up fixture (testdata/fixture.json), never on measured figures.

    build/report-venv/bin/python benches/report/test_render.py   (make test-bench-report)
"""

import copy
import io
import json
import os
import shutil
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import render  # noqa: E402
from scenario import SchemaError, validate  # noqa: E402

PERFORMANCE = f"# Performance\n\nintro\n\n{render.HEADLINE_BEGIN}\nstale\n{render.HEADLINE_END}\n\nafter\n"


def fixture():
    with open(os.path.join(HERE, "testdata", "fixture.json"), encoding="utf-8") as f:
        return json.load(f)


class RendererTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="render-test-")
        self.data = os.path.join(self.dir, "out", "data")
        os.makedirs(self.data)
        self.docs = os.path.join(self.dir, "docs")
        os.makedirs(self.docs)
        with open(os.path.join(self.docs, "performance.md"), "w") as f:
            f.write(PERFORMANCE)

    def tearDown(self):
        shutil.rmtree(self.dir)

    def put(self, name, doc_or_text):
        with open(os.path.join(self.data, name), "w", encoding="utf-8") as f:
            f.write(doc_or_text if isinstance(doc_or_text, str) else json.dumps(doc_or_text))

    def run_render(self, *args):
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = render.main(["--dir", os.path.join(self.dir, "out"), *args])
        return code, out.getvalue(), err.getvalue()

    def read(self, *path):
        with open(os.path.join(self.dir, *path), encoding="utf-8") as f:
            return f.read()

    def test_renders_tables_plots_targets_and_notes(self):
        self.put("fixture.json", fixture())
        code, out, _ = self.run_render("--runners", "report-fixture", "--strict")
        self.assertEqual(code, 0)
        self.assertIn("out/benchmarks.md", out)
        md = self.read("out", "benchmarks.md")
        self.assertIn("## Renderer fixture (not a measurement)", md)
        self.assertIn("| target missed | ≤ 1 s | 1.4 s | **missed** | fixture reason | fixture |", md)
        self.assertIn("| microreg | 1000 | 201.3 |", md)
        self.assertIn("| peer-a | 1000 | — |", md)
        self.assertIn("- **peer-a**: fixture", md)
        self.assertIn("peer-a cannot do N=10000", md)
        self.assertIn("fixture machine", md)
        assets = os.path.join(self.dir, "out", "benchmarks")
        for i in (1, 2, 3):
            png = os.path.join(assets, f"fixture-plot{i}.png")
            self.assertIn(f"(benchmarks/fixture-plot{i}.png)", md)
            with open(png, "rb") as f:
                self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertEqual(self.read("out", "benchmarks", "fixture-table1.csv").splitlines(),
                         ["peer,N,ms", "microreg,1000,201.3", "peer-a,1000,"])
        self.assertEqual(json.loads(self.read("out", "benchmarks", "fixture.json")), fixture())

    def test_a_bad_file_is_named_and_the_others_still_render(self):
        self.put("fixture.json", fixture())
        bad = fixture()
        bad["scenario"] = "bad"
        del bad["plots"][0]["series"][0]["y"]
        self.put("bad.json", bad)
        self.put("broken.json", "{not json")
        code, _, err = self.run_render("--runners", "report-fixture report-bad report-broken report-absent",
                                       "--strict")
        self.assertEqual(code, 1)
        self.assertIn('bad.json.plots[0].series[0]: missing "y"', err)
        self.assertIn("broken.json", err)
        md = self.read("out", "benchmarks.md")
        self.assertIn("## Renderer fixture", md)
        self.assertIn('`bad.json`: left out: bad.json.plots[0].series[0]: missing "y"', md)
        self.assertIn("runner `report-absent` wrote no valid `absent.json`", md)
        # Without --strict the report is still written and the run succeeds.
        self.assertEqual(self.run_render()[0], 0)

    def test_schema_names_the_field(self):
        cases = [
            (lambda d: d.pop("loadavg"), "loadavg"),
            (lambda d: d["tables"][0]["rows"][0].pop(), "tables[0].rows[0]: has 2 cells for 3 columns"),
            (lambda d: d["targets"][1].pop("why"), 'targets[1]: missing "why"'),
            (lambda d: d["plots"][0].update(kind="pie"), "plots[0].kind"),
            (lambda d: d["plots"][2]["series"][0].update(samples=["x"]), "plots[2].series[0].samples"),
            (lambda d: d.update(date="yesterday"), "date: not an ISO-8601 date"),
            (lambda d: d.update(quick="yes"), "quick"),
            (lambda d: d["headline"][0].pop("peers"), 'headline[0]: missing "peers"'),
        ]
        validate(fixture())
        for spoil, message in cases:
            doc = copy.deepcopy(fixture())
            spoil(doc)
            with self.assertRaises(SchemaError) as caught:
                validate(doc, "f.json")
            self.assertIn(message, str(caught.exception))

    def test_publish_then_the_docs_check_finds_drift(self):
        self.put("fixture.json", fixture())
        self.assertEqual(self.run_render("--publish", self.docs)[0], 0)
        perf = self.read("docs", "performance.md")
        self.assertIn("| fixture lookup | 1 µs | peer-a: 3 µs | ≤ 2 µs |", perf)
        self.assertNotIn("stale", perf)
        self.assertTrue(perf.endswith(f"{render.HEADLINE_END}\n\nafter\n"))
        self.assertTrue(os.path.exists(os.path.join(self.docs, "benchmarks", "fixture-plot1.png")))
        with redirect_stdout(io.StringIO()):
            self.assertEqual(render.check_docs(self.docs), 0)

        # A figure changed in the data but not in the docs: drift.
        path = os.path.join(self.docs, "benchmarks", "fixture.json")
        doc = fixture()
        doc["headline"][0]["microreg"] = "2 µs"
        with open(path, "w") as f:
            json.dump(doc, f)
        err = io.StringIO()
        with redirect_stderr(err), redirect_stdout(io.StringIO()):
            self.assertEqual(render.check_docs(self.docs), 1)
        self.assertIn("performance.md: its generated headline differs", err.getvalue())
        self.assertIn("benchmarks.md differs", err.getvalue())

    def test_docs_without_a_report_say_so(self):
        with open(os.path.join(self.docs, "performance.md"), "w") as f:
            f.write(render.with_headline(PERFORMANCE, {}))
        with redirect_stdout(io.StringIO()):
            self.assertEqual(render.check_docs(self.docs), 0)
        self.assertIn("No benchmark report has been published yet", self.read("docs", "performance.md"))

    def test_a_quick_run_is_never_published(self):
        doc = fixture()
        doc["quick"] = True
        self.put("fixture.json", doc)
        code, _, err = self.run_render("--publish", self.docs)
        self.assertEqual(code, 2)
        self.assertIn("never published", err)
        self.assertEqual(self.read("docs", "performance.md"), PERFORMANCE)
        self.assertIn("QUICK run", self.read("out", "benchmarks.md"))


if __name__ == "__main__":
    unittest.main(verbosity=1)
