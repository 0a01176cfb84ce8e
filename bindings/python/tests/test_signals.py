"""Ctrl-C (SIGINT) stops a `for event in watch` loop."""

import os
import signal
import subprocess
import sys
import textwrap
import time

SCRIPT = textwrap.dedent(
    """
    import microreg
    with microreg.Registry() as reg, reg.watch("nothing-ever") as w:
        print("watching", flush=True)
        for event in w:
            pass
    """
)


def test_sigint_interrupts_a_blocking_watch():
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "watching"
        time.sleep(0.5)  # let it settle into the blocking wait: that is what we interrupt
        os.kill(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert "KeyboardInterrupt" in stderr
    assert proc.returncode != 0


def test_python_signal_handlers_run_during_a_watch():
    script = textwrap.dedent(
        """
        import signal, microreg
        class Stop(Exception): pass
        def handler(signum, frame): raise Stop()
        signal.signal(signal.SIGUSR1, handler)
        with microreg.Registry() as reg, reg.watch() as w:
            try:
                print("watching", flush=True)
                w.next()
            except Stop:
                print("handled", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "watching"
        time.sleep(0.5)
        os.kill(proc.pid, signal.SIGUSR1)
        out, _ = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert out.strip() == "handled" and proc.returncode == 0
