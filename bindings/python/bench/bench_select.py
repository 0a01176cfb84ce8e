"""Registry.select from Python on a warm cache: a service with 10 nodes
(go-micro-like metadata). Part of `make bench-select`.

Prints the median over several batches, in microseconds per selection.
Target: at most 3 µs.
"""

import asyncio
import statistics
import time

import microreg

BATCHES = 7
CALLS = 50_000
METADATA = {"broker": "http", "protocol": "grpc", "registry": "mdns", "server": "grpc", "transport": "grpc"}


def per_call_us(fn, calls=CALLS):
    samples = []
    for _ in range(BATCHES):
        start = time.perf_counter_ns()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter_ns() - start) / calls / 1000)
    return statistics.median(samples)


def main():
    service = microreg.Service(
        name="bench",
        version="1.0.0",
        nodes=[microreg.Node(id=f"bench-{i:02}", address=f"10.0.0.{i}:8080", metadata=METADATA) for i in range(10)],
    )
    with microreg.Registry(backend="memory", domain="bench") as reg:
        reg.register(service)
        reg.select("bench")  # warm: the first selection fills the cache
        rows = [
            ("Registry.select('bench')  (random)", lambda: reg.select("bench")),
            ("Registry.select('bench', strategy='round_robin')", lambda: reg.select("bench", strategy="round_robin")),
            (
                "  ... + version='^1', labels={'protocol': 'grpc'}",
                lambda: reg.select("bench", strategy="round_robin", version="^1", labels={"protocol": "grpc"}),
            ),
        ]
        for label, call in rows:
            print(f"Python {label:<52} {per_call_us(call):6.2f} µs/op (median of {BATCHES} x {CALLS})")
        asyncio.run(select_async())


async def select_async():
    async with microreg.AsyncRegistry(backend="memory", domain="bench") as areg:
        await areg.select("bench")
        calls = CALLS // 5
        samples = []
        for _ in range(BATCHES):
            start = time.perf_counter_ns()
            for _ in range(calls):
                await areg.select("bench", strategy="round_robin")
            samples.append((time.perf_counter_ns() - start) / calls / 1000)
        label = "await AsyncRegistry.select('bench', strategy='round_robin')"
        print(f"Python {label:<52} {statistics.median(samples):6.2f} µs/op (median of {BATCHES} x {calls})")


if __name__ == "__main__":
    main()
