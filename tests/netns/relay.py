#!/usr/bin/env python3
"""A delaying hub between the test hosts (the kernel here has no netem).

    relay.py --delay MS [--jitter MS] IFACE...

Reads every Ethernet frame that a test host sends on its veth (the IFACEs are
the bridge-side ends, mrv1..mrvN, not in any bridge) and, after DELAY plus a
random 0..JITTER milliseconds, writes it to the other hosts' veths: multicast,
broadcast and frames for an unknown MAC to all of them, others to the host that
owns the destination MAC (learnt from source addresses). Frames are handled
independently, so jitter reorders them as a real network may. Runs until
killed or until the --while-pid process has exited; only ever touches the
interfaces it is given.
"""

import argparse
import heapq
import os
import random
import select
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
MAX_QUEUED = 20000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--jitter", type=float, default=0.0)
    parser.add_argument("--while-pid", type=int, help="exit when this process has exited")
    parser.add_argument("interfaces", nargs="+")
    args = parser.parse_args()
    for name in args.interfaces:
        if not name.startswith("mr"):
            sys.exit(f"relay.py: refusing interface {name!r} (not a test interface)")

    sockets = {}
    for name in args.interfaces:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((name, 0))
        s.setblocking(False)
        sockets[s.fileno()] = (name, s)
    owner = {}  # MAC -> interface name
    by_name = {name: s for name, s in sockets.values()}
    queue = []  # (due, seq, interface, frame)
    seq = 0
    poller = select.poll()
    for fd in sockets:
        poller.register(fd, select.POLLIN)

    while True:
        if args.while_pid and not os.path.exists(f"/proc/{args.while_pid}"):
            return
        timeout = 200
        if queue:
            timeout = min(timeout, max(0, int((queue[0][0] - time.monotonic()) * 1000) + 1))
        for fd, _ in poller.poll(timeout):
            name, s = sockets[fd]
            while True:
                try:
                    frame, address = s.recvfrom(65536)
                except BlockingIOError:
                    break
                if address[2] == PACKET_OUTGOING or len(frame) < 14:
                    continue  # our own writes, seen on the way out
                destination, source = frame[0:6], frame[6:12]
                owner[source] = name
                if destination[0] & 1 or destination not in owner:
                    targets = [n for n in by_name if n != name]
                else:
                    targets = [owner[destination]] if owner[destination] != name else []
                for target in targets:
                    if len(queue) >= MAX_QUEUED:
                        break  # bounded: a flood is dropped, as a full link would
                    due = time.monotonic() + (args.delay + random.uniform(0, args.jitter)) / 1000
                    seq += 1
                    heapq.heappush(queue, (due, seq, target, frame))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, _, target, frame = heapq.heappop(queue)
            try:
                by_name[target].send(frame)
            except OSError:
                pass


if __name__ == "__main__":
    main()
