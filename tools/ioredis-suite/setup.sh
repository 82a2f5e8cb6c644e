#!/bin/bash
# Sets up the harness that runs ioredis' own functional tests on this package's ioredis face
# (issue #22's acceptance measure): the scripts are copied to /tmp/harness (their paths are
# fixed there), ioredis' work tree is extracted from a git directory of redis/ioredis (the
# `fetch` tool's snapshot: /work/.mirror/redis+ioredis/repo) and its devDependencies
# installed. Then: HARNESS_REAL=1 /tmp/harness/run.sh (reference), /tmp/harness/run.sh (ours).
# Needs `unshare -n -r` (each file runs in a network namespace of its own with a private
# redis-server on 6379, never the machine's). Usage: setup.sh [ioredis git dir]
set -eu
GITDIR=${1:-/work/.mirror/redis+ioredis/repo}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/harness/ioredis
cp "$HERE"/*.js "$HERE"/*.sh "$HERE"/README.md /tmp/harness/
chmod +x /tmp/harness/*.sh
# docs/ is left out: some of its blobs are missing from snapshots.
git --git-dir="$GITDIR" archive HEAD -- . ':!docs' | tar -x -C /tmp/harness/ioredis
cd /tmp/harness/ioredis && npm ci --ignore-scripts --no-audit --no-fund
