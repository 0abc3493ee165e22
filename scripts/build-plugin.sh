#!/usr/bin/env bash
# Build a folder of Swift sources that use LayerZoo into a plugin library for `--plugin`.
#
#   scripts/build-plugin.sh [--register EXPR] PLUGIN_DIR OUTPUT.so [debug|release]
#
# Every .swift file under PLUGIN_DIR (subfolders included) goes into the library, whose module
# is named after OUTPUT (libFoo.so: Foo). --register EXPR adds the C entry point for a folder
# that has none, registering the `[LayerDefinition]` EXPR evaluates to (e.g. DBBLayers.definitions):
# the seed plugins are also SwiftPM targets linked together into one program, where each
# carrying the same entry point would clash.
#
# The library is compiled against the LayerZoo modules of this checkout's build and linked
# against nothing of LayerZoo (nor LayerZooStandard): at load time it binds to the copy inside
# the `layerzoo` tool, so plugin and tool share one registry and one `Layer` protocol. That
# needs a tool built with the toolset (it exports its symbols), and the same configuration
# and compiler as the plugin.
set -euo pipefail
usage() { echo "usage: $0 [--register EXPR] PLUGIN_DIR OUTPUT.so [debug|release]" >&2; exit 64; }
register=
if [ "${1:-}" = --register ]; then
    [ $# -ge 2 ] || usage
    register=$2
    shift 2
    [[ $register =~ ^[A-Za-z_][A-Za-z0-9_.]*$ ]] || { echo "--register takes a Swift expression such as DBBLayers.definitions" >&2; exit 64; }
fi
[ $# -ge 2 ] || usage
dir=$1
out=$2
config=${3:-release}
root=$(cd "$(dirname "$0")/.." && pwd)
[ -d "$dir" ] || { echo "$dir: no such plugin folder" >&2; exit 1; }
sources=()
while IFS= read -r -d '' file; do sources+=("$file"); done < <(find "$dir" -name '*.swift' -type f -print0 | sort -z)
[ ${#sources[@]} -gt 0 ] || { echo "$dir: no .swift files" >&2; exit 1; }
name=$(basename "$out" .so)
name=${name#lib}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if [ -n "$register" ]; then
    cat > "$scratch/PluginEntry.swift" <<EOF
import LayerZoo

@_cdecl("layerzoo_plugin_register")
public func layerzooPluginRegister(_ registrar: UnsafeMutableRawPointer, _ hostVersion: Int32,
                                   _ pluginVersion: UnsafeMutablePointer<Int32>) -> Int32 {
    PluginRegistrar.handle(registrar, hostVersion: hostVersion, pluginVersion: pluginVersion) { $register }
}
EOF
    sources+=("$scratch/PluginEntry.swift")
fi
# LAYERZOO_BIN_PATH: use an existing build's products folder instead of building (tests do).
if [ -n "${LAYERZOO_BIN_PATH:-}" ]; then
    bin=$LAYERZOO_BIN_PATH
else
    (cd "$root" && swift build -c "$config" --toolset toolset.json --product layerzoo >&2)
    bin=$(cd "$root" && swift build -c "$config" --toolset toolset.json --show-bin-path)
fi
opt=-Onone
[ "$config" = release ] && opt=-O
# The C modules LayerZoo's own modules import (Yams' CYaml, the OpenBLAS shim, the kernels).
cflags=(-Xcc "-fmodule-map-file=$root/Sources/COpenBLAS/module.modulemap"
        -Xcc "-fmodule-map-file=$root/Sources/ZooKernels/include/module.modulemap")
for flag in $(pkg-config --cflags openblas 2>/dev/null); do cflags+=(-Xcc "$flag"); done
cyaml=$(cd "$root" && find .build/checkouts -path '*CYaml/include/module.modulemap' 2>/dev/null | head -n 1)
[ -n "$cyaml" ] && cflags+=(-Xcc "-fmodule-map-file=$root/$cyaml" -Xcc "-I$root/$(dirname "$cyaml")")
swiftc -emit-library -parse-as-library -swift-version 6 -module-name "${name//[^A-Za-z0-9_]/_}" "$opt" \
    -I "$bin/Modules" "${cflags[@]}" "${sources[@]}" -o "$out"
echo "built $out" >&2
