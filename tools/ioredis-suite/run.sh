#!/bin/bash
# Runs ioredis' functional tests against OUR Redis (default) or the real ioredis (HARNESS_REAL=1).
# Usage: /tmp/harness/run.sh [test/functional/x.ts ...]
#   default: every test/functional/*.ts (not commands/ nor cluster/).
# Each file: its own mocha process inside `unshare -n -r` with a private redis-server on 6379.
# Results: /tmp/harness/ours/ or /tmp/harness/real/ (per-file .json, .stdout, .stderr, .meta.json).
# Env: HARNESS_FILE_TIMEOUT (s, default 120).
set -u
H=/tmp/harness
cd $H/ioredis
if [ "${HARNESS_REAL:-}" = 1 ]; then OUT=$H/real; else OUT=$H/ours; fi
if [ $# -gt 0 ]; then FILES=("$@")
else
  FILES=($(ls test/functional/*.ts))
  rm -rf "$OUT"
fi
mkdir -p "$OUT"
FILES=("${FILES[@]#/tmp/harness/ioredis/}")
for f in "${FILES[@]}"; do
  printf '%s ... ' "$f" >&2
  HARNESS_REAL="${HARNESS_REAL:-}" unshare -n -r "$H/inner.sh" "$OUT" "$f"
  n=${f#test/}; n=${n//\//__}; n=${n%.ts}
  cat "$OUT/$n.meta.json" >&2
done
node "$H/summarize.js" "$OUT" "${FILES[@]}"
