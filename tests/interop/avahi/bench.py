#!/usr/bin/env python3
"""avahi-daemon's benchmark roles (examples/mdns_report.rs drives them), in the
line protocol every benchmark peer speaks. Runs on a test host (started with
tests/netns/hosts exec, whose private mount namespace keeps the tmpfs mounts
below to this process tree), with avahi's default settings except: IPv4 only,
only the host's interface mr0, no workstation/hinfo records.

    bench.py serve IP   publisher: static services (one file per instance, as an
                        administrator publishes them) in a private
                        /etc/avahi/services; reads "many SVC N", "reg SVC ID",
                        "dereg SVC ID", prints "t <unix ns>", writes or removes
                        the files, has avahi-daemon reload them (SIGHUP), prints "ok".
    bench.py observe    observer: avahi-daemon with a private D-Bus, and
                        avahi-browse -r; prints "e create ID <unix ns>" when an
                        instance is resolved, "e delete ID <unix ns>" when removed.

Both print "ready PID..." first: the processes whose CPU and memory are the
peer's (avahi-daemon, and avahi-browse for the observer).
"""

import ctypes
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RUN = "/run/avahi-daemon"
SERVICES = "/etc/avahi/services"
SERVICE_TYPE = "_mrbench._tcp"
BUS = f"unix:path={RUN}/test-bus"
# avahi-daemon and its tools find the private bus here.
ENV = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=BUS)


def die_with_parent():
    # PR_SET_PDEATHSIG: the daemons go when this script goes, even on kill -9.
    ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)


def start(*argv, **kwargs):
    return subprocess.Popen(list(argv), preexec_fn=die_with_parent, env=ENV, **kwargs)


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def private_tmpfs(path):
    os.makedirs(path, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "microreg-avahi-bench", path], check=True)


def start_daemon(role, dbus):
    private_tmpfs(RUN)
    private_tmpfs(SERVICES)  # none but ours
    conf = f"{RUN}/bench.conf"
    with open(conf, "w") as f:
        f.write(
            f"[server]\nhost-name=avahi-{role}-{os.getpid()}\nuse-ipv4=yes\nuse-ipv6=no\n"
            f"allow-interfaces=mr0\nenable-dbus={'yes' if dbus else 'no'}\n"
            "[wide-area]\nenable-wide-area=no\n"
            "[publish]\npublish-hinfo=no\npublish-workstation=no\n"
        )
    children = []
    if dbus:
        children.append(
            start(
                "dbus-daemon", f"--config-file={HERE}/dbus.conf", "--nofork", "--nopidfile",
                stderr=None if os.environ.get("AVAHI_BENCH_DEBUG") else subprocess.DEVNULL,
            )
        )
        wait_for(lambda: os.path.exists(f"{RUN}/test-bus"))
    daemon = start(
        "avahi-daemon", "-f", conf, "--no-drop-root", "--no-chroot", "--no-proc-title",
        stderr=None if os.environ.get("AVAHI_BENCH_DEBUG") else subprocess.DEVNULL,
    )
    children.append(daemon)
    return daemon, children


def wait_for(check, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            sys.exit("avahi bench: timed out starting avahi")
        time.sleep(0.05)


def service_file(svc, node_id):
    return (
        "<?xml version=\"1.0\" standalone='no'?>\n"
        '<!DOCTYPE service-group SYSTEM "avahi-service.dtd">\n'
        f"<service-group><name>{node_id}</name><service><type>{SERVICE_TYPE}</type>"
        f"<port>8080</port><txt-record>service={svc}</txt-record></service></service-group>\n"
    )


def serve(_ip):
    daemon, children = start_daemon("pub", dbus=False)
    wait_for(lambda: os.path.exists(f"{RUN}/pid"))
    time.sleep(1.0)  # its host name probed and announced
    say(f"ready {daemon.pid}")
    try:
        for line in sys.stdin:
            parts = line.split()
            say(f"t {time.time_ns()}")
            if len(parts) != 3 or parts[0] not in ("many", "reg", "dereg"):
                break
            command, svc, arg = parts
            if command == "dereg":
                os.remove(f"{SERVICES}/{arg}.service")
            else:
                ids = [f"{svc}-{i}" for i in range(int(arg))] if command == "many" else [arg]
                for node_id in ids:
                    with open(f"{SERVICES}/{node_id}.service", "w") as f:
                        f.write(service_file(svc, node_id))
            daemon.send_signal(signal.SIGHUP)  # = avahi-daemon --reload
            say("ok")
    finally:
        for child in children:
            child.kill()


def observe():
    daemon, children = start_daemon("obs", dbus=True)
    wait_for(
        lambda: subprocess.run(
            ["avahi-browse", "-a", "-t", "-p", "-k"], env=ENV,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        ).returncode == 0
    )
    browse = start(
        "stdbuf", "-oL", "avahi-browse", "-r", "-p", "-k", SERVICE_TYPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    children.append(browse)
    say(f"ready {daemon.pid} {browse.pid}")
    # Stop when the driver closes stdin (or goes).
    import threading

    def stdin_closed():
        for _ in sys.stdin:
            pass
        for child in children:
            child.kill()
        os._exit(0)

    threading.Thread(target=stdin_closed, daemon=True).start()
    known = set()
    for line in browse.stdout:
        fields = line.rstrip("\n").split(";")
        if len(fields) < 4:
            continue
        name = fields[3]
        if fields[0] == "=" and name not in known:
            known.add(name)
            say(f"e create {name} {time.time_ns()}")
        elif fields[0] == "-" and name in known:
            known.discard(name)
            say(f"e delete {name} {time.time_ns()}")


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif sys.argv[1] == "observe":
        observe()
    else:
        sys.exit("usage: bench.py serve IP | observe")
