"""AsyncRegistry: awaitables driven by the core's tokio runtime, `async for` watches."""

import asyncio
import threading

import pytest

import microreg
from conftest import canonical, make_service, unique


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, timeout=30))


def test_register_get_list_deregister(domain):
    async def main():
        svc = make_service(name=unique("async"), nodes=3)
        async with microreg.AsyncRegistry(domain=domain) as reg:
            assert reg.backend == "memory" and reg.domain == domain
            assert await reg.register(svc, ttl=30) is None
            assert canonical(await reg.get_service(svc.name)) == canonical(svc)
            assert [s.name for s in await reg.list_services()] == [svc.name]
            await reg.deregister(svc)
            with pytest.raises(microreg.NotFoundError, match=svc.name):
                await reg.get_service(svc.name)
        with pytest.raises(microreg.InvalidArgumentError, match="closed"):
            await reg.list_services()

    run(main())


def test_async_for_over_a_watch(domain):
    async def main():
        svc = make_service(name=unique("stream"))
        async with microreg.AsyncRegistry(domain=domain) as reg:
            async with reg.watch(svc.name) as w:
                await reg.register(svc)
                await reg.deregister(svc)
                actions = []
                async for event in w:
                    actions.append(event.action)
                    if len(actions) == 2:
                        w.stop()
            assert actions == ["create", "delete"] and w.stopped
            with pytest.raises(microreg.WatcherStoppedError):
                await w.next()

    run(main())


def test_waiting_watch_does_not_block_the_loop_nor_use_threads(domain):
    async def main():
        svc = make_service(name=unique("loop"))
        async with microreg.AsyncRegistry(domain=domain) as reg:
            w = reg.watch(svc.name)
            threads_before = threading.active_count()
            # 50 concurrent waits: real futures on the core runtime, no thread each.
            waiters = [asyncio.ensure_future(w.next(timeout=10)) for _ in range(50)]
            await asyncio.sleep(0.2)
            assert not any(t.done() for t in waiters)
            assert threading.active_count() <= threads_before + 1
            await reg.register(svc)  # the loop keeps running meanwhile
            first = await asyncio.wait_for(asyncio.shield(asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)), 5)
            done, _ = first
            assert next(iter(done)).result().action == "create"
            w.stop()
            results = await asyncio.gather(*waiters, return_exceptions=True)
            assert all(isinstance(r, (microreg.Event, microreg.WatcherStoppedError)) for r in results)

    run(main())


def test_cancelling_a_pending_step_leaves_the_watch_usable(domain):
    async def main():
        svc = make_service(name=unique("cancel"))
        async with microreg.AsyncRegistry(domain=domain) as reg:
            async with reg.watch(svc.name) as w:
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(w.__anext__(), 0.2)
                await reg.register(svc)
                event = await w.next(timeout=5)
                assert event.action == "create"
                with pytest.raises(microreg.TimeoutError):
                    await w.next(timeout=0.1)

    run(main())


def test_many_concurrent_lookups(domain):
    async def main():
        svc = make_service(name=unique("many"), nodes=3)
        async with microreg.AsyncRegistry(domain=domain) as reg:
            await reg.register(svc)
            results = await asyncio.gather(*(reg.get_service(svc.name) for _ in range(200)))
            assert all(canonical(r) == canonical(svc) for r in results)

    run(main())


def test_sync_and_async_faces_share_the_backend(domain):
    svc = make_service(name=unique("both"))
    with microreg.Registry(domain=domain) as sync_reg:
        sync_reg.register(svc)

        async def main():
            async with microreg.AsyncRegistry(domain=domain) as reg:
                return await reg.get_service(svc.name)

        assert run(main()) == [svc]  # one node: order is moot


def test_awaitables_need_a_running_loop():
    reg = microreg.AsyncRegistry()
    with pytest.raises(RuntimeError):
        reg.get_service("x")
