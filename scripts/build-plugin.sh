#!/usr/bin/env bash
# Build a folder of Swift sources that use LayerZoo into a plugin library for `--plugin`.
#
#   scripts/build-plugin.sh PLUGIN_DIR OUTPUT.so [debug|release]
#
# The library is compiled against the LayerZoo modules of this checkout's build and linked
# against nothing of LayerZoo: at load time it binds to the copy inside the `layerzoo` tool,
# so plugin and tool share one registry and one `Layer` protocol. Build it with the same
# configuration (and compiler) as the tool that will load it.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 PLUGIN_DIR OUTPUT.so [debug|release]" >&2
    exit 64
fi
dir=$1
out=$2
config=${3:-release}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$dir" ] || { echo "$dir: no such plugin folder" >&2; exit 1; }
shopt -s nullglob
sources=("$dir"/*.swift)
[ ${#sources[@]} -gt 0 ] || { echo "$dir: no .swift files" >&2; exit 1; }
name=$(basename "$out" .so)
name=${name#lib}
# LAYERZOO_BIN_PATH: use an existing build's products folder instead of building (tests do).
if [ -n "${LAYERZOO_BIN_PATH:-}" ]; then
    bin=$LAYERZOO_BIN_PATH
else
    (cd "$root" && swift build -c "$config" --product layerzoo >&2)
    bin=$(cd "$root" && swift build -c "$config" --show-bin-path)
fi
opt=-Onone
[ "$config" = release ] && opt=-O
# The C modules LayerZoo's own modules import (Yams' CYaml, the OpenBLAS shim, the kernels).
cflags=(-Xcc "-fmodule-map-file=$root/Sources/COpenBLAS/module.modulemap"
        -Xcc "-fmodule-map-file=$root/Sources/ZooKernels/include/module.modulemap")
for flag in $(pkg-config --cflags openblas 2>/dev/null); do cflags+=(-Xcc "$flag"); done
cyaml=$(cd "$root" && find .build/checkouts -path '*CYaml/include/module.modulemap' 2>/dev/null | head -n 1)
[ -n "$cyaml" ] && cflags+=(-Xcc "-fmodule-map-file=$root/$cyaml" -Xcc "-I$root/$(dirname "$cyaml")")
swiftc -emit-library -parse-as-library -module-name "${name//[^A-Za-z0-9_]/_}" "$opt" \
    -I "$bin/Modules" "${cflags[@]}" "${sources[@]}" -o "$out"
echo "built $out" >&2
