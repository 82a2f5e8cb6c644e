#!/bin/bash
# Runs inside `unshare -n -r` (fresh network namespace): a private redis-server on 6379,
# then mocha for one test file. If mocha aborts (an error after a test passed, a hook
# failure, the wall-clock cap), the tests not run yet are re-run with --grep, with a flushed
# server, until all ran or a re-run makes no progress (at most HARNESS_MAX_ATTEMPTS runs).
# Usage: inner.sh OUTDIR FILE
OUTDIR=$1; FILE=$2
H=/tmp/harness
NAME=$(echo "$FILE" | sed 's#^test/##; s#/#__#g; s#\.ts$##')
rm -f "$OUTDIR/$NAME".*
ip link set lo up 2>/dev/null
redis-server --port 6379 --save '' --appendonly no --daemonize no --logfile "$OUTDIR/$NAME.redis.log" &
RPID=$!
for i in $(seq 100); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.05; done
cd $H/ioredis
START=$(date +%s.%N)
RCS=""
GREP=()
PREV=""
for ATTEMPT in $(seq 0 $(( ${HARNESS_MAX_ATTEMPTS:-8} - 1 ))); do
  if [ $ATTEMPT = 0 ]; then OUT="$OUTDIR/$NAME.json"; SFX=""; else OUT="$OUTDIR/$NAME.a$ATTEMPT.json"; SFX=".a$ATTEMPT"; fi
  redis-cli -p 6379 flushall >/dev/null; redis-cli -p 6379 script flush >/dev/null
  HARNESS_OUT="$OUT" HARNESS_ATTEMPT=$ATTEMPT TS_NODE_TRANSPILE_ONLY=true NODE_ENV=test \
    timeout -k 5 "${HARNESS_FILE_TIMEOUT:-120}" node_modules/.bin/mocha \
      --require $H/hook.js --reporter $H/reporter.js \
      --timeout 8000 --exit "${GREP[@]}" test/helpers/global.ts test/helpers/mock_server.ts "$FILE" \
      >"$OUTDIR/$NAME$SFX.stdout" 2>"$OUTDIR/$NAME$SFX.stderr"
  RC=$?
  RCS="$RCS${RCS:+,}$RC"
  echo "{\"file\":\"$FILE\",\"rcs\":[$RCS]}" > "$OUTDIR/$NAME.meta.json"
  REST=$(node $H/remaining.js "$OUTDIR" "$FILE")
  [ -z "$REST" ] && break
  [ "$REST" = "$PREV" ] && break   # no progress
  # attempt 0 never listed its tests (load error): nothing to re-run
  [ ! -s "$OUTDIR/$NAME.json.events" ] && break
  PREV=$REST
  GREP=(--grep "$REST")
done
END=$(date +%s.%N)
echo "{\"file\":\"$FILE\",\"rcs\":[$RCS],\"seconds\":$(echo "$END - $START" | bc)}" > "$OUTDIR/$NAME.meta.json"
kill $RPID 2>/dev/null; wait $RPID 2>/dev/null
exit 0
