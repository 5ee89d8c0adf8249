#!/usr/bin/env bash
# Unpacks, without installing, the Debian arm64 packages the arm64 build and its qemu test need
# but that cannot be installed beside the host's: libdnnl-dev:arm64 (its dnnl_config.h differs
# from the amd64 one) and Debian's arm64 node to load the addon under qemu-aarch64. The libraries
# they link against come installed: libdnnl2:arm64 and libopenblas-dev:arm64 (see .ci/run).
#   native/arm64-sysroot.sh <dir>
set -euo pipefail
dir=${1:?usage: arm64-sysroot.sh <dir>}
packages=(libdnnl-dev:arm64 nodejs:arm64 libnode108:arm64 libbrotli1:arm64 libc-ares2:arm64 libicu72:arm64
  libnghttp2-14:arm64 libssl3:arm64 libuv1:arm64 zlib1g:arm64 node-cjs-module-lexer node-acorn node-undici)
mkdir -p "$dir/debs"
(cd "$dir/debs" && apt-get download -qq "${packages[@]}" 2>&1 | grep -v 'unsandboxed' >&2 || true)
[ "$(ls "$dir"/debs/*.deb | wc -l)" -ge ${#packages[@]} ] || { echo "arm64-sysroot: apt-get download did not fetch all of ${packages[*]}" >&2; exit 1; }
for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/sysroot"; done
