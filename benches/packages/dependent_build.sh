#!/usr/bin/env bash
# Cold build time of a crate that depends on microreg as a library, by path,
# with default-features = false and both backends: once against REV (e.g. the
# commit before the cli feature, 449db7b, or before the rlib-only lib, 5b2fd10),
# once against this checkout. Prints crates compiled, wall and CPU seconds, the
# size of the target directory and the C artefacts of microreg built, for each
# (debug profile, offline, from the crates already in ~/.cargo,
# CARGO_BUILD_JOBS as set).
#
#   benches/packages/dependent_build.sh REV
set -euo pipefail

rev=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/rev-src"
git -C "$repo" archive "$rev" | tar -x -C "$work/rev-src"

for side in "$rev:$work/rev-src" "checkout:$repo"; do
    name=${side%%:*} src=${side#*:}
    crate=$work/dep-$name
    mkdir -p "$crate/src"
    cat > "$crate/Cargo.toml" <<TOML
[package]
name = "dependent"
version = "0.1.0"
edition = "2021"

[dependencies]
microreg = { path = "$src", default-features = false, features = ["mdns", "etcd"] }

[workspace]
TOML
    printf 'fn main() {\n    println!("{}", microreg::Client::new(microreg::Config::memory()).is_ok());\n}\n' \
        > "$crate/src/main.rs"
    cp "$src/Cargo.lock" "$crate/"   # the same dependency versions on both sides
    (cd "$crate" && CARGO_TARGET_DIR=$crate/target /usr/bin/time -f "%e %U %S" -o "$work/time" \
        cargo build --offline -q)
    read -r wall user sys < "$work/time"
    crates=$(cd "$crate" && cargo tree --offline -e normal,build --prefix none \
        | sed 's/ (\*)//; s/ (proc-macro)//' | sort -u | wc -l)
    c_artefacts=$(cd "$crate/target/debug/deps" && ls libmicroreg*.so libmicroreg*.a 2>/dev/null | paste -sd' ' || true)
    target_mb=$(du -sm "$crate/target" | cut -f1)
    printf '%-9s %4s crates  wall %6.1f s  cpu %6.1f s  target %5s MB  (C artefacts built: %s)\n' \
        "$name" "$crates" "$wall" "$(echo "$user + $sys" | bc)" "$target_mb" "${c_artefacts:-none}"
    # microreg alone, rebuilt with its dependencies built: the part of the cold
    # build that this crate's own targets cost (less noisy on a busy machine).
    (cd "$crate" && cargo clean --offline -q -p microreg \
        && CARGO_TARGET_DIR=$crate/target /usr/bin/time -f "%e %U %S" -o "$work/time" \
            cargo build --offline -q)
    read -r wall user sys < "$work/time"
    printf '%-9s   microreg alone           wall %6.1f s  cpu %6.1f s\n' \
        "$name" "$wall" "$(echo "$user + $sys" | bc)"
done
