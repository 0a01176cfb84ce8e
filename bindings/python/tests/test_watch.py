"""Blocking watches: events in order, filters, stop from another thread, timeouts."""

import datetime
import threading

import pytest

import microreg
from conftest import make_service, unique


def test_create_update_delete_in_order(reg):
    svc = make_service(name=unique("watched"))
    with reg.watch(service=svc.name) as w:
        reg.register(svc)
        svc.nodes[0].metadata["zone"] = "b"
        reg.register(svc)
        reg.deregister(svc)
        events = [w.next(timeout=5) for _ in range(3)]
    assert [e.action for e in events] == ["create", "update", "delete"]
    for event in events:
        assert event.service.name == svc.name
        assert [n.id for n in event.service.nodes] == [svc.nodes[0].id]
        assert isinstance(event.timestamp, datetime.datetime)
        assert event.timestamp.tzinfo is not None
    assert events[1].service.nodes[0].metadata["zone"] == "b"
    assert events[0].timestamp <= events[1].timestamp <= events[2].timestamp


def test_filter_and_event_shape(reg):
    mine, other = make_service(name=unique("mine")), make_service(name=unique("other"))
    with reg.watch(mine.name) as w:
        reg.register(other)
        reg.register(mine)
        event = w.next(timeout=5)
    assert event.service.name == mine.name
    d = event.to_dict()
    assert d["action"] == "create" and d["service"]["name"] == mine.name
    assert d["timestamp"].endswith("Z")
    assert repr(event).startswith("Event(action='create', service=Service(name=")
    assert event == event and event != "create"


def test_iteration_yields_events_and_ends_on_stop(reg):
    svc = make_service(name=unique("iter"), nodes=3)
    seen = []
    with reg.watch(svc.name) as w:
        reg.register(svc)
        for event in w:
            seen.append(event)
            if len(seen) == 3:
                w.stop()
    assert w.stopped
    assert sorted(n.id for e in seen for n in e.service.nodes) == sorted(n.id for n in svc.nodes)


def test_stop_from_another_thread_ends_a_blocked_loop(reg):
    with reg.watch(unique("quiet")) as w:
        timer = threading.Timer(0.3, w.stop)
        timer.start()
        assert list(w) == []
        timer.join()
    with pytest.raises(microreg.WatcherStoppedError):
        w.next(timeout=1)


def test_timeout_is_both_microreg_and_builtin(reg):
    with reg.watch(unique("silent")) as w:
        with pytest.raises(microreg.TimeoutError):
            w.next(timeout=0.2)
        with pytest.raises(TimeoutError):
            w.next(timeout=0.05)
        with pytest.raises(microreg.InvalidArgumentError):
            w.next(timeout=-1)
    assert w.dropped_events == 0


def test_wildcard_watch_sees_every_domain(domain):
    svc = make_service(name=unique("everywhere"))
    with microreg.Registry(domain=domain) as reg, reg.watch(svc.name, domain="*") as w:
        reg.register(svc)
        event = w.next(timeout=5)
    assert event.action == "create"
    assert event.service.nodes[0].metadata["domain"] == domain
