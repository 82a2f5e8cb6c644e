#!/bin/bash
# one-off: run each given test title alone (inside the namespace), print pass/fail
ip link set lo up
redis-server --port 6379 --save '' --appendonly no --daemonize no --logfile /dev/null & RPID=$!
sleep 0.3
cd /tmp/harness/ioredis
FILE=$1; shift
while IFS= read -r T; do
  redis-cli -p 6379 flushall >/dev/null
  RE="^$(printf '%s' "$T" | sed 's/[][\.*^$(){}?+|/]/\\&/g')\$"
  HARNESS_OUT=/tmp/harness/isolate.out.json TS_NODE_TRANSPILE_ONLY=true NODE_ENV=test timeout 60 node_modules/.bin/mocha --require /tmp/harness/hook.js --reporter /tmp/harness/reporter.js --timeout 8000 --exit --grep "$RE" test/helpers/global.ts test/helpers/mock_server.ts "$FILE" >/dev/null 2>&1
  R=$(grep -o '"type":"\(pass\|fail\|failAfterPass\)"' /tmp/harness/isolate.out.json.events | tr '\n' ' ')
  M=$(grep -o '"message":"[^"]\{0,90\}' /tmp/harness/isolate.out.json.events | head -1)
  echo "$R | $T | $M"
done
kill $RPID
