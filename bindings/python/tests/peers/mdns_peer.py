"""A microreg peer for multi-process mDNS tests (run on a test host).

    mdns_peer.py register NAME NODE_ID ADDRESS   register, print "ready", hold until stdin closes
    mdns_peer.py find NAME NODE_ID TIMEOUT       print the node as JSON once seen (NODE_ID "-": any
                                                 node); exit 1 if never
    mdns_peer.py gone NAME NODE_ID TIMEOUT       once the node is known, print "watching" and wait
                                                 for its delete event; exit 1 if none
"""

import json
import sys
import time

import microreg


def register(name, node_id, address):
    with microreg.Registry(backend="mdns") as reg:
        reg.register(microreg.Service(name=name, version="1.0.0",
                                      nodes=[microreg.Node(id=node_id, address=address, metadata={"peer": "python"})]),
                     ttl=30)
        print("ready", flush=True)
        sys.stdin.read()  # hold the registration until the test closes our stdin


def find(name, node_id, timeout):
    deadline = time.monotonic() + float(timeout)
    with microreg.Registry(backend="mdns") as reg:
        while time.monotonic() < deadline:
            try:
                for service in reg.get_service(name):
                    for node in service.nodes:
                        if node_id in ("-", node.id):
                            print(json.dumps({"version": service.version, **node.to_dict()}), flush=True)
                            return 0
            except microreg.NotFoundError:
                pass
            time.sleep(0.1)
    return 1


def known(reg, name, node_id):
    try:
        return any(node.id == node_id for s in reg.get_service(name) for node in s.nodes)
    except microreg.NotFoundError:
        return False


def gone(name, node_id, timeout):
    deadline = time.monotonic() + float(timeout)
    with microreg.Registry(backend="mdns") as reg, reg.watch(name) as w:
        # Say "watching" once this process knows the node, so its leaving is news here.
        while not known(reg, name, node_id):
            if time.monotonic() > deadline:
                return 1
            time.sleep(0.05)
        print("watching", flush=True)
        while time.monotonic() < deadline:
            try:
                event = w.next(timeout=max(0.01, deadline - time.monotonic()))
            except microreg.TimeoutError:
                break
            if event.action == "delete" and any(n.id == node_id for n in event.service.nodes):
                print("deleted", flush=True)
                return 0
    return 1


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    sys.exit({"register": register, "find": find, "gone": gone}[command](*args) or 0)
