#!/usr/bin/env bash
# Installs the built wheel the way a user does, on a machine path without a Rust
# toolchain, and runs the two-process example (inside tests/netns/isolated: it
# uses mDNS). Also checks that the sdist carries the core crate it builds from.
#
#   tests/packages/wheel.sh DIST_DIR PYTHON
set -euo pipefail

dist=$(cd "$1" && pwd)
python=$("$2" -c 'import sys; print(sys.executable)')   # the interpreter, not a shim
repo=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

wheels=("$dist"/microreg-*.whl)
sdists=("$dist"/microreg-*.tar.gz)
[ ${#wheels[@]} = 1 ] && [ -f "${wheels[0]}" ] || { echo "want one wheel in $dist" >&2; exit 1; }
[ ${#sdists[@]} = 1 ] && [ -f "${sdists[0]}" ] || { echo "want one sdist in $dist" >&2; exit 1; }
wheel=${wheels[0]}
echo "wheel: $(basename "$wheel")"

# One wheel for every CPython >= 3.9 on glibc Linux: abi3, with a manylinux tag that
# maturin gave only after checking the glibc symbols it uses.
case "$(basename "$wheel")" in
    *-cp39-abi3-manylinux_*_x86_64*.whl | *-cp39-abi3-manylinux_*_aarch64*.whl) ;;
    *) echo "not an abi3 manylinux wheel: $(basename "$wheel")" >&2; exit 1 ;;
esac

# The sdist builds without this repository: it carries the core crate (src/) and
# the extension crate beside the Python package.
listing=$(tar -tzf "${sdists[0]}")
top=$(basename "${sdists[0]}" .tar.gz)
for want in pyproject.toml Cargo.toml Cargo.lock src/lib.rs src/ffi/mod.rs \
    bindings/python/Cargo.toml bindings/python/src/lib.rs python/microreg/__init__.py; do
    grep -qx "$top/$want" <<<"$listing" || { echo "sdist lacks $want" >&2; exit 1; }
done

# A user's machine: no cargo or rustc on PATH.
no_rust_path=$(tr ':' '\n' <<<"$PATH" | grep -v -e '/\.cargo/' -e '/\.rustup/' | paste -sd:)
if PATH=$no_rust_path command -v cargo >/dev/null || PATH=$no_rust_path command -v rustc >/dev/null; then
    echo "a Rust toolchain is still on PATH ($no_rust_path)" >&2; exit 1
fi

"$python" -m venv "$scratch/venv"
PATH=$no_rust_path "$scratch/venv/bin/python" -m pip install --quiet --no-index "$wheel"
cp "$repo/bindings/python/examples/two_processes.py" "$scratch/"
cd "$scratch"
PATH=$no_rust_path venv/bin/python -c '
import microreg, sys
assert microreg.__file__.startswith(sys.prefix), microreg.__file__
print("imported", microreg.__file__)'
out=$(PATH=$no_rust_path timeout 60 "$repo/tests/netns/isolated" venv/bin/python two_processes.py)
echo "$out"
grep -qx 'found greeter-1 at 127.0.0.1:8080' <<<"$out"
echo "wheel: installed without Rust, two processes found each other"
