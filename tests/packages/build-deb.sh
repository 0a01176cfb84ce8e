#!/usr/bin/env bash
# Builds the Debian package from what `make install` puts under /usr (staged with
# DESTDIR), plus the CLI and the license: one package, like the tarball a user
# would otherwise install by hand.
#
#   tests/packages/build-deb.sh STAGE OUT_DIR VERSION CLI
set -euo pipefail

stage=$1 out=$2 version=$3 cli=$4
repo=$(cd "$(dirname "$0")/../.." && pwd)
arch=$(dpkg --print-architecture)
major=${version%%.*}

install -D -m 755 "$cli" "$stage/usr/bin/microreg"
install -D -m 644 "$repo/LICENSE" "$stage/usr/share/doc/microreg/copyright"
mkdir -p "$stage/DEBIAN"
# libmicroreg.so.0 comes from this package (for packages built against it), and the
# loader's cache is refreshed after install and removal.
echo "libmicroreg $major microreg (>= $version)" > "$stage/DEBIAN/shlibs"
echo "activate-noawait ldconfig" > "$stage/DEBIAN/triggers"
# The library's and the CLI's own needs (libc6, libgcc-s1), as Debian computes them.
mkdir -p "$stage/debian"
: > "$stage/debian/control"
depends=$(cd "$stage" && dpkg-shlibdeps -O -e "usr/lib/libmicroreg.so.$version" -e usr/bin/microreg \
    2>/dev/null | sed -n 's/^shlibs:Depends=//p')
rm -rf "$stage/debian"
[ -n "$depends" ] || { echo "dpkg-shlibdeps found no dependencies" >&2; exit 1; }
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@DEPENDS@|$depends|" \
    -e "s|@SIZE@|$size|" -e "s|@MAJOR@|$major|" "$repo/mk/deb/control.in" > "$stage/DEBIAN/control"
mkdir -p "$out"
dpkg-deb --root-owner-group --build "$stage" "$out/microreg_${version}_${arch}.deb"
