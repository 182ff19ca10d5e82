#!/usr/bin/env bash
# Lays out the application as the image runs it: package.json (the program reads its version there) and dist/ of
# <source> copied into <dest> (normally /app). dist/ is a bundle (hack/bundle.ts) that holds every dependency, so
# the image carries no node_modules. The Dockerfile and the test image builder (testbed/images) both call this
# script, so what `docker build` ships and what the real-node tests run cannot drift apart.
# Usage: layout-app.sh <source-dir with a built dist/> <dest-dir>
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 <source-dir> <dest-dir>" >&2
  exit 2
fi
src=$1
dest=$2
for required in package.json dist/cli/main.js; do
  if [ ! -e "$src/$required" ]; then
    echo "layout-app: $src/$required is missing (run npm run build first)" >&2
    exit 1
  fi
done
mkdir -p "$dest"
cp "$src/package.json" "$dest/package.json"
# -p is left out on purpose so the files get fresh modes from the umask and no build-machine owner.
rm -rf "$dest/dist" "$dest/node_modules"
cp -R "$src/dist" "$dest/dist"
