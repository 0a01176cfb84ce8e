#!/bin/sh
# Builds an outside Go module that uses the go-micro adapter exactly as
# README.md sets it up: its go.mod block (with /path/to/microreg made this
# checkout) and its adapter snippet, put in a main function.
#   tests/readme/gomicro.sh        (after `make go`)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk '/^```gomod$/{on=1;next} /^```/{on=0} on' "$root/README.md" \
    | sed "s|/path/to/microreg|$root|" > "$work/go.mod"
awk '/^```go$/{on=1;block="";next}
     /^```/{if (on && block ~ /bindings\/go\/gomicro"/) printf "%s", block; on=0}
     on{block=block $0 "\n"}' "$root/README.md" | grep -v '^import ' > "$work/snippet"
test -s "$work/go.mod" && test -s "$work/snippet"
{
    printf 'package main\n\nimport (\n\t"github.com/microreg/microreg/bindings/go/gomicro"\n\tmicro "go-micro.dev/v5"\n)\n\nfunc main() {\n'
    sed 's/^/\t/' "$work/snippet"
    printf '\t_ = service\n}\n'
} > "$work/main.go"
# The adapter's own go.sum vouches for the same dependencies (so that this
# also works offline, with GOPROXY=off, from the module cache).
cp "$root/bindings/go/gomicro/go.sum" "$work/go.sum"
cd "$work"
# -e: offline, test-only dependencies of dependencies may be missing from the cache.
go mod tidy -e
go build -o greeter .
echo "tests/readme/gomicro.sh: an outside module built with README.md's setup"
