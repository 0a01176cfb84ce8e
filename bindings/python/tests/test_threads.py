"""Many Python threads at once; the GIL is released while the core works."""

import threading
from concurrent.futures import ThreadPoolExecutor

import microreg
from conftest import make_service, unique


def test_eight_threads_registering_and_looking_up(reg, domain):
    name = unique("crowd")

    def worker(index):
        mine = make_service(name=name, nodes=1, port=9000 + index)
        with microreg.Registry(domain=domain) as own:
            for _ in range(50):
                own.register(mine, ttl=30)
                # A handle reads its own writes at once; others through their
                # watch-fed cache a moment later, or from the backend (list).
                found = own.get_service(name)
                assert any(n.id == mine.nodes[0].id for s in found for n in s.nodes)
                assert name in {s.name for s in reg.list_services()}
                assert reg.get_service(name)[0].name == name
            own.deregister(mine)
        return mine.nodes[0].id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(worker, range(8)))
    assert len(set(ids)) == 8
    assert reg.list_services() == []


def test_a_thread_blocked_in_a_watch_lets_others_run(reg):
    svc = make_service(name=unique("gil"))
    got = []
    with reg.watch(svc.name) as w:
        waiter = threading.Thread(target=lambda: got.append(w.next(timeout=20)))
        waiter.start()
        # This thread needs the GIL to build and register the service while the
        # waiter is blocked in the core.
        counter = sum(range(100_000))
        reg.register(svc)
        waiter.join(timeout=20)
    assert counter > 0 and got and got[0].action == "create"
