"""python-zeroconf's benchmark roles (examples/mdns_report.rs drives them), in
the line protocol every benchmark peer speaks:

    publisher: prints "ready PID"; reads "many SVC N" (registers instances
               SVC-0..SVC-N-1), "reg SVC ID", "dereg SVC ID"; prints
               "t <unix ns>" as it begins each, then "ok" once zeroconf has
               registered (probed and announced) or unregistered them.
    observer:  prints "ready PID", then "e create|delete ID <unix ns>" when an
               instance is resolved (address known) or removed.

Both use AsyncZeroconf with its defaults (IPv4 on the host's interface).
"""

import asyncio
import os
import socket
import sys
import time

from zeroconf import IPVersion, ServiceStateChange
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from peer import local_ip

SERVICE_TYPE = "_mrbench._tcp.local."


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def instance(ip, svc, node_id):
    return AsyncServiceInfo(
        SERVICE_TYPE,
        f"{node_id}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton(ip)],
        port=8080,
        properties={"service": svc},
        server="zeroconf-bench.local.",
    )


async def serve_async(ip):
    azc = AsyncZeroconf(interfaces=[local_ip()], ip_version=IPVersion.V4Only)
    registered = {}
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    say(f"ready {os.getpid()}")
    while line := (await reader.readline()).decode():
        parts = line.split()
        say(f"t {time.time_ns()}")
        if len(parts) == 3 and parts[0] == "many":
            ids = [f"{parts[1]}-{i}" for i in range(int(parts[2]))]
        elif len(parts) == 3 and parts[0] in ("reg", "dereg"):
            ids = [parts[2]]
        else:
            break
        if parts[0] == "dereg":
            info = registered.pop(parts[2], None)
            if info is not None:
                await (await azc.async_unregister_service(info))
        else:
            # Each registration probes its name (~1 s), then announces: all
            # at once, as an asyncio application registers many.
            infos = [instance(ip, parts[1], node_id) for node_id in ids]

            async def register(info):
                await (await azc.async_register_service(info))

            await asyncio.gather(*(register(info) for info in infos))
            registered.update(zip(ids, infos))
        say("ok")
    await azc.async_close()


async def observe_async():
    azc = AsyncZeroconf(interfaces=[local_ip()], ip_version=IPVersion.V4Only)
    known = set()

    async def resolve(name):
        info = AsyncServiceInfo(SERVICE_TYPE, name)
        if info.load_from_cache(azc.zeroconf) or await info.async_request(azc.zeroconf, 3000):
            if name not in known:
                known.add(name)
                say(f"e create {name[: -len('.' + SERVICE_TYPE)]} {time.time_ns()}")

    def on_change(zeroconf, service_type, name, state_change):
        if state_change is ServiceStateChange.Added:
            asyncio.ensure_future(resolve(name))
        elif state_change is ServiceStateChange.Removed and name in known:
            known.discard(name)
            say(f"e delete {name[: -len('.' + SERVICE_TYPE)]} {time.time_ns()}")

    browser = AsyncServiceBrowser(azc.zeroconf, SERVICE_TYPE, handlers=[on_change])
    say(f"ready {os.getpid()}")
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.readline():
        pass
    await browser.async_cancel()
    await azc.async_close()


def serve(ip):
    asyncio.run(serve_async(ip))


def observe():
    asyncio.run(observe_async())
