"""get_service from Python on a warm cache (3 nodes), beside python-zeroconf's
cached ServiceInfo lookup of the same 3 nodes, in the same run.

    make bench-python        (runs this inside tests/netns/isolated)

Prints the median over several batches, in microseconds per lookup; with
--json one JSON line per lookup path instead (the benchmark report reads them),
with --quick a tenth of the calls.
"""

import asyncio
import json
import socket
import statistics
import sys
import time

import microreg

BATCHES = 7
CALLS = 20_000
SCALE = 10 if "--quick" in sys.argv[1:] else 1
JSON = "--json" in sys.argv[1:]


def isolated() -> bool:
    with open("/proc/self/net/dev") as f:
        names = [line.split(":")[0].strip() for line in f.readlines()[2:]]
    return all(name == "lo" or name.startswith("mr") for name in names)


def per_call_us(fn, calls=CALLS):
    calls = max(1, calls // SCALE)
    samples = []
    for _ in range(BATCHES):
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter_ns() - start) / calls / 1000)
    return statistics.median(samples)


def service():
    return microreg.Service(
        name="bench",
        version="1.0.0",
        nodes=[
            microreg.Node(id=f"bench-{i}", address=f"127.0.0.1:{8080 + i}", metadata={"zone": "a"})
            for i in range(3)
        ],
    )


def bench_microreg(backend):
    try:
        reg = microreg.Registry(backend=backend, domain="bench")
    except microreg.BackendError as error:
        return f"unavailable ({error})"
    with reg:
        reg.register(service(), ttl=30)
        deadline = time.monotonic() + 10
        while True:  # warm: the first lookup fills the cache
            try:
                if len(reg.get_service("bench")[0].nodes) == 3:
                    break
            except microreg.NotFoundError:
                pass
            if time.monotonic() > deadline:
                return "the 3 nodes never appeared"
            time.sleep(0.05)
        return per_call_us(lambda: reg.get_service("bench"))


def bench_microreg_async():
    async def main():
        async with microreg.AsyncRegistry(backend="memory", domain="bencha") as reg:
            await reg.register(service())
            await reg.get_service("bench")
            calls = 2_000 // SCALE
            samples = []
            for _ in range(BATCHES):
                start = time.perf_counter_ns()
                for _ in range(calls):
                    await reg.get_service("bench")
                samples.append((time.perf_counter_ns() - start) / calls / 1000)
            return statistics.median(samples)

    return asyncio.run(main())


def bench_zeroconf():
    try:
        from zeroconf import ServiceInfo, Zeroconf
    except ImportError:
        return "unavailable (pip install zeroconf)", None
    if not isolated():
        return "skipped: multicasts, run inside tests/netns/isolated", None
    kind = "_bench._tcp.local."
    zc = Zeroconf(interfaces=["127.0.0.1"])
    try:
        infos = [
            ServiceInfo(
                kind,
                f"bench-{i}.{kind}",
                addresses=[socket.inet_aton("127.0.0.1")],
                port=8080 + i,
                properties={"zone": "a"},
                server="bench.local.",
            )
            for i in range(3)
        ]
        for info in infos:
            zc.register_service(info)
        names = [info.name for info in infos]
        for name in names:  # warm: answers are in zeroconf's cache now
            assert zc.get_service_info(kind, name, timeout=3000) is not None

        def cached_lookup():
            for name in names:
                info = ServiceInfo(kind, name)
                if not info.load_from_cache(zc):
                    raise RuntimeError("not in zeroconf's cache")

        def get_service_info():
            for name in names:
                zc.get_service_info(kind, name, timeout=3000)

        return per_call_us(cached_lookup, 2_000), per_call_us(get_service_info, 2_000)
    finally:
        zc.close()


def show(label, value):
    if JSON:
        ok = isinstance(value, float)
        print(json.dumps({"path": label, "us_per_lookup": value if ok else None, "error": None if ok else str(value)}))
        return
    text = f"{value:8.2f} µs" if isinstance(value, float) else f"     {value}"
    print(f"  {label:<58}{text}")


def main():
    if not JSON:
        print(f"get_service, warm cache, 3 nodes (median of {BATCHES} batches, Python {sys.version.split()[0]})")
    show("microreg Registry.get_service (memory)", bench_microreg("memory"))
    show("microreg Registry.get_service (mdns)", bench_microreg("mdns"))
    show("microreg await AsyncRegistry.get_service (memory)", bench_microreg_async())
    cached, lookup = bench_zeroconf()
    show("python-zeroconf ServiceInfo.load_from_cache x3 nodes", cached)
    if lookup is not None:
        show("python-zeroconf Zeroconf.get_service_info x3 (cached)", lookup)


if __name__ == "__main__":
    main()
