#!/usr/bin/env bash
# A Go module outside this repository uses the package and the go-micro adapter
# against an installed libmicroreg (make install into a scratch prefix, found with
# PKG_CONFIG_PATH; no -tags microreg_dev), with only the replace lines that the
# unpublished module paths need. Builds it and runs it (memory backend).
#
#   tests/packages/go_module.sh PREFIX     (after make install PREFIX=PREFIX)
set -euo pipefail

prefix=$(cd "$1" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/go.mod" <<GOMOD
module example.com/greeter

go 1.25

require (
	github.com/microreg/microreg/bindings/go v0.0.0
	github.com/microreg/microreg/bindings/go/gomicro v0.0.0
	go-micro.dev/v5 v5.3.0
)

replace (
	github.com/microreg/microreg/bindings/go => $repo/bindings/go
	github.com/microreg/microreg/bindings/go/gomicro => $repo/bindings/go/gomicro
)
GOMOD
cat > "$work/main.go" <<'GO'
package main

import (
	"fmt"
	"log"

	microreg "github.com/microreg/microreg/bindings/go"
	"github.com/microreg/microreg/bindings/go/gomicro"
	"go-micro.dev/v5/registry"
)

func main() {
	var reg registry.Registry = gomicro.NewRegistry(gomicro.With(microreg.Backend("memory")))
	if err := reg.Register(&registry.Service{Name: "greeter", Version: "1.0.0",
		Nodes: []*registry.Node{{Id: "greeter-1", Address: "10.0.0.5:8080"}}}); err != nil {
		log.Fatal(err)
	}
	svcs, err := reg.GetService("greeter")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("found", svcs[0].Nodes[0].Id)
}
GO
# The adapter's go.sum vouches for the same dependencies (offline, from the module cache).
cp "$repo/bindings/go/gomicro/go.sum" "$work/go.sum"
cd "$work"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
go mod tidy -e
go build -o greeter .
[ "$(grep -c '=>' go.mod)" = 2 ] || { echo "go.mod has replace lines beyond the two local modules" >&2; exit 1; }
out=$(LD_LIBRARY_PATH=$prefix/lib ./greeter)
echo "$out"
[ "$out" = "found greeter-1" ]
LD_LIBRARY_PATH=$prefix/lib ldd greeter | grep "libmicroreg.so.0 => $prefix/lib/" >/dev/null
echo "tests/packages/go_module.sh: an outside module built against the installed libmicroreg"
