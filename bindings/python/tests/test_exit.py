"""A program may end without closing anything: it exits cleanly, never hangs."""

import subprocess
import sys
import textwrap

import pytest

CASES = {
    "registered, not closed": """
        import microreg
        reg = microreg.Registry()
        reg.register(microreg.Service(name="s", nodes=[microreg.Node(id="s-1", address="h:1")]), ttl=5)
    """,
    "a daemon thread blocked in a watch": """
        import threading, time, microreg
        reg = microreg.Registry()
        w = reg.watch()
        threading.Thread(target=lambda: [e for e in w], daemon=True).start()
        time.sleep(0.3)
    """,
    "an async call pending when the loop closes": """
        import asyncio, microreg
        async def main():
            reg = microreg.AsyncRegistry()
            w = reg.watch()
            asyncio.ensure_future(w.next())
            await asyncio.sleep(0.2)
        asyncio.run(main())
    """,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_exits_cleanly(case):
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(CASES[case]) + "\nprint('end')"],
        capture_output=True, text=True, timeout=30,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "end"
    assert "Traceback" not in proc.stderr and "panicked" not in proc.stderr
