#!/usr/bin/env bash
# Two hosts (network namespaces) register and discover each other over mdns:
# a C program and a C++ program, then a C program and the microreg CLI.
# Run by `make test-c-hosts` inside tests/netns/isolated:
#
#   tests/c/two_hosts.sh BUILD_DIR CLI
#
# Prints SKIP and succeeds while the mdns backend is not part of the build.
set -euo pipefail

build=$1
cli=$(realpath "$2")
hosts=$(dirname "$0")/../netns/hosts
deadline_s=60

# The isolation check: only loopback and our own test interfaces may exist here.
while read -r iface _; do
    iface=${iface%:}
    case $iface in lo | mr*) ;; *)
        echo "two_hosts.sh: interface $iface is not a test interface; run me inside tests/netns/isolated" >&2
        exit 2 ;;
    esac
done < <(tail -n +3 /proc/self/net/dev)

set +e
"$build/peer-c" --probe
probe=$?
set -e
if [ $probe = 3 ]; then
    echo "SKIP: two-host C/C++/CLI tests: the mdns backend is not part of this build"
    echo "C on two hosts: 0 passed, 0 failed, 2 skipped"
    exit 0
fi
[ $probe = 0 ] || { echo "two_hosts.sh: the mdns probe failed" >&2; exit 1; }

"$hosts" up 2
sync=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "$hosts" down
    rm -rf "$sync"
}
trap cleanup EXIT

echo "== C (host 1) and C++ (host 2)"
mkdir "$sync/cpp"
"$hosts" exec 1 "$build/peer-c" c-peer 10.77.0.1:7001 cpp-peer "$sync/cpp" & c=$!
"$hosts" exec 2 "$build/peer-cpp" cpp-peer 10.77.0.2:7002 c-peer "$sync/cpp" & cpp=$!
wait $c
wait $cpp
echo "C and C++ found each other"

echo "== C (host 1) and the CLI (host 2)"
if ! "$cli" --help 2>/dev/null | grep 'register' >/dev/null; then
    echo "SKIP: C and CLI: this build's microreg CLI has no register command yet"
    echo "C on two hosts: 1 passed, 0 failed, 1 skipped"
    exit 0
fi
mkdir "$sync/cli"
"$hosts" exec 2 "$cli" --backend mdns register cli-peer --address 10.77.0.2:7003 --version 1.0.0 \
    > "$sync/cli-register.log" 2>&1 &
pids+=($!)
"$hosts" exec 1 "$build/peer-c" c-cli-peer 10.77.0.1:7004 cli-peer "$sync/cli" & c=$!
end=$((SECONDS + deadline_s))
until "$hosts" exec 2 "$cli" --backend mdns --json get c-cli-peer 2>/dev/null | grep '10.77.0.1:7004' >/dev/null; do
    if [ $SECONDS -gt $end ]; then
        echo "two_hosts.sh: the CLI on host 2 never found c-cli-peer" >&2
        cat "$sync/cli-register.log" >&2
        exit 1
    fi
    sleep 0.5
done
echo "the CLI found c-cli-peer"
touch "$sync/cli/cli-peer.found"
wait $c
echo "C and the CLI found each other"
echo "C on two hosts: 2 passed, 0 failed"
