#!/usr/bin/env bash
# The whole path on two hosts, once per face: two echo servers register as
# "echo" on host 1 (examples/select_echo.rs); on host 2 each face selects a node
# of "echo" (round robin), connects to it and checks the echo it answers.
# Run by `make test-select-hosts` inside tests/netns/isolated:
#
#   tests/select/two_hosts.sh BUILD_DIR CLI RUST_EXAMPLE PYTHON
#
# BUILD_DIR holds select_echo_c, select_echo_cpp and selectecho (Go).
set -euo pipefail

build=$(realpath "$1")
cli=$(realpath "$2")
rust=$(realpath "$3")
python=$(cd "$(dirname "$4")" && pwd)/$(basename "$4") # not resolved: a venv's python
here=$(cd "$(dirname "$0")" && pwd)
hosts=$here/../netns/hosts
examples=$here/../../examples/select

while read -r iface _; do
    iface=${iface%:}
    case $iface in lo | mr*) ;; *)
        echo "two_hosts.sh: interface $iface is not a test interface; run me inside tests/netns/isolated" >&2
        exit 2 ;;
    esac
done < <(tail -n +3 /proc/self/net/dev)

"$hosts" down 2>/dev/null || true
"$hosts" up 2
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "$hosts" down
}
trap cleanup EXIT

for i in 1 2; do
    "$hosts" exec 1 "$rust" serve --id "echo-$i" --address "10.77.0.1:710$i" &
    pids+=($!)
done
# Host 2 sees both nodes before the clients start.
end=$((SECONDS + 60))
until [ "$("$hosts" exec 2 "$cli" --backend mdns --json get echo 2>/dev/null | grep -o '"id":"echo-[12]"' | sort -u | wc -l)" = 2 ]; do
    [ $SECONDS -lt $end ] || { echo "two_hosts.sh: host 2 never saw both echo nodes" >&2; exit 1; }
    sleep 0.5
done

passed=0 failed=0
# check FACE COMMAND...: every line must be an echo from the node selected.
check() {
    local face=$1; shift
    local out
    if out=$("$hosts" exec 2 "$@" 2>&1) \
        && [ "$(grep -c "it answered: echo-[12]: hello from" <<<"$out")" -ge 2 ] \
        && ! grep -vqE '^[^ ]+: selected (echo-[12]) at [^ ]+, it answered: \1: hello from' <<<"$out"; then
        echo "ok   $face"; echo "$out" | sed 's/^/     /'
        passed=$((passed + 1))
    else
        echo "FAIL $face"; echo "$out" | sed 's/^/     /'
        failed=$((failed + 1))
    fi
}

cli_select() {
    local node address id reply
    for _ in 1 2; do
        node=$("$cli" --backend mdns --json select echo --strategy round_robin)
        id=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' <<<"$node")
        address=$(sed -n 's/.*"address":"\([^"]*\)".*/\1/p' <<<"$node")
        exec 3<>"/dev/tcp/${address%:*}/${address##*:}"
        echo "hello from the cli" >&3
        read -r reply <&3
        exec 3<&-
        echo "cli: selected $id at $address, it answered: $reply"
    done
}
export -f cli_select
export cli

check rust "$rust" call --rounds 4
check c "$build/select_echo_c" 4
check c++ "$build/select_echo_cpp"
check python "$python" "$examples/select_echo.py" 4
check go "$build/selectecho" -via microreg -rounds 4
check go-micro-selector "$build/selectecho" -via gomicro -rounds 4
check cli bash -c cli_select
echo "select on two hosts: $passed passed, $failed failed"
[ "$failed" = 0 ]
