"""The Python examples of README.md and docs/*.md run as written, each in a
fresh interpreter, and finish on their own."""

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCKS = [
    (page, code)
    for page in PAGES
    for code in re.findall(r"^```python\n(.*?)^```", page.read_text(), re.S | re.M)
]


def blocks_of(name):
    return [code for page, code in BLOCKS if page.name == name]


def test_readme_has_a_python_example():
    assert blocks_of("README.md"), f"no ```python block in {ROOT / 'README.md'}"


def test_the_python_page_has_its_asyncio_example():
    assert blocks_of("python.md"), f"no ```python block in {ROOT / 'docs/python.md'}"


@pytest.mark.parametrize(
    "code",
    [code for _, code in BLOCKS],
    ids=[f"{page.relative_to(ROOT)}:{i}" for i, (page, _) in enumerate(BLOCKS)],
)
def test_example_runs(code):
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
