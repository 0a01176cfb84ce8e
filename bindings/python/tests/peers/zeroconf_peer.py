"""A python-zeroconf peer (standard DNS-SD) for interop tests (run on a test host).

    zeroconf_peer.py register TYPE INSTANCE IP PORT [key=value...]
        register, print "ready", hold until stdin closes
    zeroconf_peer.py resolve TYPE INSTANCE IP TIMEOUT
        print {"port", "addresses", "properties"} as JSON once resolved; exit 1 if never
IP is the address of this host's interface, which zeroconf binds to.
"""

import json
import socket
import sys
import time

from zeroconf import ServiceInfo, Zeroconf


def register(kind, instance, ip, port, *pairs):
    properties = dict(pair.split("=", 1) for pair in pairs)
    zc = Zeroconf(interfaces=[ip])
    info = ServiceInfo(kind, f"{instance}.{kind}", addresses=[socket.inet_aton(ip)], port=int(port),
                       properties=properties, server=f"{instance}.local.")
    zc.register_service(info)
    print("ready", flush=True)
    sys.stdin.read()
    zc.unregister_service(info)
    zc.close()


def resolve(kind, instance, ip, timeout):
    zc = Zeroconf(interfaces=[ip])
    try:
        deadline = time.monotonic() + float(timeout)
        while time.monotonic() < deadline:
            info = zc.get_service_info(kind, f"{instance}.{kind}", timeout=1000)
            if info is not None:
                print(json.dumps({
                    "port": info.port,
                    "addresses": info.parsed_addresses(),
                    "properties": {k.decode(): (v or b"").decode(errors="replace")
                                   for k, v in info.properties.items()},
                }), flush=True)
                return 0
        return 1
    finally:
        zc.close()


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    sys.exit({"register": register, "resolve": resolve}[command](*args) or 0)
