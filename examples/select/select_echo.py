"""Select a node of the "echo" service (registered on another host) and say
hello over TCP: the whole path from Python. Run by tests/select/two_hosts.sh."""

import socket
import sys
import time

import microreg


def select(reg):
    deadline = time.monotonic() + 20
    while True:
        try:
            return reg.select("echo", strategy="round_robin")
        except microreg.NotFoundError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)  # until discovered


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    with microreg.Registry(backend="mdns") as reg:
        for _ in range(rounds):
            node = select(reg)
            host, port = node.address.rsplit(":", 1)
            try:
                with socket.create_connection((host, int(port)), timeout=5) as conn:
                    conn.sendall(b"hello from python\n")
                    reply = conn.makefile().readline().strip()
            except OSError:
                reg.mark(node.id, ok=False)
                raise
            reg.mark(node.id, ok=True)
            print(f"python: selected {node.id} at {node.address}, it answered: {reply}", flush=True)


if __name__ == "__main__":
    main()
