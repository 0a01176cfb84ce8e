#!/usr/bin/env bash
# Installs the .deb with apt-get, builds README.md's C and C++ examples against it
# with pkg-config and with CMake (outside the repository, no -I or -L of ours), runs
# them and the CLI (inside tests/netns/isolated: mdns), then removes the package and
# checks that nothing of it is left. Refuses to run where microreg is installed.
#
#   tests/packages/deb.sh DEB
set -euo pipefail

deb=$(realpath "$1")
repo=$(cd "$(dirname "$0")/../.." && pwd)
isolated=$repo/tests/netns/isolated
scratch=$(mktemp -d)

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' microreg 2>/dev/null)" = installed ]; }
if installed || [ -e /usr/lib/libmicroreg.so ] || [ -e /usr/local/lib/libmicroreg.so ]; then
    echo "microreg is already installed on this machine: not touching it" >&2; exit 1
fi
cleanup() {
    installed && DEBIAN_FRONTEND=noninteractive apt-get remove -y -q microreg >/dev/null
    rm -rf "$scratch"
}
trap cleanup EXIT

dpkg-deb --contents "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' > "$scratch/files"
for want in /usr/lib/libmicroreg.so.0 /usr/lib/libmicroreg.so /usr/lib/libmicroreg.a \
    /usr/include/microreg.h /usr/include/microreg.hpp /usr/lib/pkgconfig/microreg.pc \
    /usr/lib/cmake/microreg/microreg-config.cmake /usr/bin/microreg; do
    grep -qx -- "$want" "$scratch/files" || { echo "the package lacks $want" >&2; exit 1; }
done

DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >/dev/null
installed
echo "installed: $(dpkg-query -W -f='${Package} ${Version} (Depends: ${Depends})' microreg)"

cd "$scratch"
awk '/^```c$/{on=1;next} /^```/{on=0} on' "$repo/README.md" > example.c
awk '/^```cpp$/{on=1;next} /^```/{on=0} on' "$repo/README.md" > example.cpp
test -s example.c && test -s example.cpp

echo "== pkg-config"
pkg-config --modversion microreg
cc -std=c11 -Wall -Wextra -Werror example.c $(pkg-config --cflags --libs microreg) -o example-c
c++ -std=c++17 -Wall -Wextra -Werror example.cpp $(pkg-config --cflags --libs microreg) -o example-cpp
echo "== CMake find_package(microreg)"
cp "$repo/tests/packages/deb/CMakeLists.txt" .
cmake -S . -B cmake -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >/dev/null
cmake --build cmake >/dev/null
for exe in example-c example-cpp cmake/example-c cmake/example-cpp; do
    # Loaded from the package through the loader's cache: no rpath, no LD_LIBRARY_PATH.
    # (ldd's output is read whole first: `ldd | grep -q` under pipefail fails
    # whenever grep stops reading before ldd has written its last line.)
    libraries=$(ldd "$exe")
    grep -Eq 'libmicroreg\.so\.0 => (/usr)?/lib/libmicroreg\.so\.0 ' <<<"$libraries" \
        || { echo "$exe does not load the package's library:" >&2; echo "$libraries" >&2; exit 1; }
    "$isolated" timeout 30 "./$exe" | grep greeter-1 >/dev/null
    echo "ran $exe"
done
"$isolated" timeout 30 microreg --backend memory list >/dev/null
echo "ran microreg (the CLI)"

echo "== apt-get remove"
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q microreg >/dev/null
! installed
left=$(while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done < files || true)
[ -z "$left" ] || { echo "left after removal: $left" >&2; exit 1; }
! ldconfig -p | grep -q libmicroreg
echo "deb: installed, examples built with pkg-config and CMake and run, removed without a trace"
