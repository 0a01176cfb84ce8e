"""A python-zeroconf peer for interop tests with microreg's DNS-SD side.

    peer.py register ID IP PORT SERVICE   publish ID._micro._tcp.local., print "ready",
                                          unregister on SIGTERM, print "deregistered"
    peer.py bench-serve IP                benchmark publisher, line protocol on stdin (bench.py)
    peer.py bench-observe                 benchmark observer, one line per added/removed instance
    peer.py watch SERVICE COUNT TIMEOUT   print COUNT JSON lines {"action","id","address",
                                          "properties"} for instances whose TXT names SERVICE
"""

import json
import queue
import signal
import socket
import sys
import threading

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

SERVICE_TYPE = "_micro._tcp.local."


def local_ip():
    # The test host's own address on mr0 (10.77.0.I); zeroconf listens there only.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("10.77.0.254", 9))
        return s.getsockname()[0]


def register(node_id, ip, port, service):
    zc = Zeroconf(interfaces=[local_ip()], ip_version=IPVersion.V4Only)
    info = ServiceInfo(
        SERVICE_TYPE,
        f"{node_id}.{SERVICE_TYPE}",
        addresses=[socket.inet_aton(ip)],
        port=int(port),
        properties={"service": service, "version": "3.0.0", "lang": "python"},
        server="zeroconf-peer.local.",
    )
    zc.register_service(info)
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    zc.unregister_service(info)
    print("deregistered", flush=True)
    zc.close()


def watch(service, count, timeout):
    zc = Zeroconf(interfaces=[local_ip()], ip_version=IPVersion.V4Only)
    events = queue.Queue()
    known = {}

    def on_change(zeroconf, service_type, name, state_change):
        node_id = name[: -len("." + SERVICE_TYPE)]
        if state_change is ServiceStateChange.Removed:
            if name in known:
                events.put({"action": "removed", "id": node_id, **known.pop(name)})
            return
        if state_change is not ServiceStateChange.Added:
            return
        info = zeroconf.get_service_info(service_type, name, timeout=3000)
        if info is None:
            return
        props = {k.decode(): (v or b"").decode() for k, v in info.properties.items()}
        if props.get("service") != service:
            return
        entry = {
            "address": f"{info.parsed_addresses()[0]}:{info.port}",
            "properties": props,
        }
        known[name] = entry
        events.put({"action": "added", "id": node_id, **entry})

    ServiceBrowser(zc, SERVICE_TYPE, handlers=[on_change])
    print("watching", flush=True)
    try:
        for _ in range(int(count)):
            print(json.dumps(events.get(timeout=float(timeout))), flush=True)
    except queue.Empty:
        pass
    zc.close()


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command.startswith("bench-"):
        import bench

        {"bench-serve": bench.serve, "bench-observe": bench.observe}[command](*args)
    else:
        {"register": register, "watch": watch}[command](*args)
