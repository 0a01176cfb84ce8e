"""After os.fork(): the parent's handles fail clearly in the child; new ones work."""

import json
import os
import time
import warnings

import pytest

import microreg
from conftest import make_service, unique


def run_in_child(body):
    """Runs body() in a forked child; returns what it returned (JSON) or fails if it hangs."""
    read_fd, write_fd = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork with threads
        pid = os.fork()
    if pid == 0:  # child
        os.close(read_fd)
        try:
            result = {"ok": body()}
        except BaseException as error:  # report everything to the parent
            result = {"error": f"{type(error).__name__}: {error}"}
        os.write(write_fd, json.dumps(result).encode())
        os._exit(0)
    os.close(write_fd)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child hung")
    with os.fdopen(read_fd) as pipe:
        result = json.loads(pipe.read())
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    return result


def test_parent_handles_fail_clearly_and_new_ones_work_in_the_child(domain):
    svc = make_service(name=unique("forked"))
    parent = microreg.Registry(domain=domain)
    parent.register(svc)
    watch = parent.watch(svc.name)

    def child():
        outcome = {}
        for label, call in [
            ("get", lambda: parent.get_service(svc.name)),
            ("register", lambda: parent.register(svc)),
            ("watch", lambda: watch.next(timeout=0.1)),
            ("close", parent.close),
        ]:
            try:
                call()
                outcome[label] = "no error"
            except microreg.UsedAfterForkError as error:
                outcome[label] = str(error)
        with microreg.Registry(domain=domain) as fresh:
            mine = make_service(name=unique("child"))
            fresh.register(mine)
            outcome["fresh"] = fresh.get_service(mine.name)[0].nodes[0].id == mine.nodes[0].id
            # The memory backend is per process: the parent's nodes are not here.
            outcome["inherited"] = [s.name for s in fresh.list_services()]
        return outcome

    outcome = run_in_child(child)
    assert "ok" in outcome, outcome
    outcome = outcome["ok"]
    for label in ("get", "register", "watch", "close"):
        assert "cannot be used after fork()" in outcome[label], (label, outcome[label])
    assert outcome["fresh"] is True
    assert outcome["inherited"] == [s for s in outcome["inherited"] if s.startswith("child-")]
    # The child dropped its copy of the parent's handle without deregistering anything.
    assert parent.get_service(svc.name)[0].nodes == svc.nodes
    watch.stop()
    parent.close()


def test_async_handles_are_guarded_too(domain):
    reg = microreg.AsyncRegistry(domain=domain)

    def child():
        try:
            reg.watch("x")
        except microreg.UsedAfterForkError:
            return "refused"
        return "allowed"

    assert run_in_child(child) == {"ok": "refused"}
