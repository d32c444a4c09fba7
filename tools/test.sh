#!/usr/bin/env bash
# `npm test`: every suite, each in turn even when one fails, then the total as "N passed, N failed".
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash tools/ensure.sh node || { echo "0 passed, 1 failed"; exit 1; }
rm -rf .cache/test-results
status=0
bash tools/run-suite.sh typecheck check npx tsc --noEmit -p tsconfig.json || status=1
for suite in contract infra jobs dags emulator local e2e; do
  echo "=== test:$suite"
  npm run --silent "test:$suite" || status=1
  # A suite that died before its runner reported (an install step failed, say) counts as one failure.
  [ -f ".cache/test-results/$suite.json" ] || echo '{"passed":0,"failed":1}' > ".cache/test-results/$suite.json"
done
echo "=== summary"
npx tsx tools/summary.ts || status=1
exit $status
