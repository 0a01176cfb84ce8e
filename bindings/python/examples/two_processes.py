"""Two processes find each other through microreg's default backend (mDNS on the LAN).

    python two_processes.py

The parent starts a second Python process that registers "greeter" and waits; the
parent watches for it, prints the node it found, and stops the child, whose node is
deregistered as it exits. Prints "found greeter-1 at 127.0.0.1:8080" and exits 0, or
exits 1 if the other process is not seen within 10 s.
"""

import subprocess
import sys

import microreg


def serve():
    svc = microreg.Service(name="greeter", version="1.0.0",
                           nodes=[microreg.Node(id="greeter-1", address="127.0.0.1:8080")])
    with microreg.Registry() as reg:  # no backend named: $MICRO_REGISTRY, else mdns
        reg.register(svc)
        print("registered", flush=True)
        sys.stdin.read()  # hold the registration until the parent closes our stdin


def find():
    with microreg.Registry() as reg, reg.watch(service="greeter") as w:
        child = subprocess.Popen([sys.executable, __file__, "serve"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            child.stdout.readline()  # "registered"
            try:
                nodes = [n for s in reg.get_service("greeter") for n in s.nodes]
            except microreg.NotFoundError:
                nodes = []
            while not nodes:  # not answered yet: its announcement comes as an event
                event = w.next(timeout=10)
                nodes = event.service.nodes
            print(f"found {nodes[0].id} at {nodes[0].address}", flush=True)
            return 0
        except microreg.TimeoutError:
            print("the other process was not seen within 10 s", file=sys.stderr)
            return 1
        finally:
            child.stdin.close()
            child.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(serve() if sys.argv[1:] == ["serve"] else find())
