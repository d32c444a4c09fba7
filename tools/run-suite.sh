#!/usr/bin/env bash
# Runs one test suite and records its counts in .cache/test-results/NAME.json for tools/summary.ts.
#   tools/run-suite.sh NAME mocha GLOB     mocha + chai, TypeScript through tsx
#   tools/run-suite.sh NAME pytest DIR     pytest in the Python environment named after DIR's owner
#   tools/run-suite.sh NAME check CMD...   a command that passes or fails as one check
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
name=$1 kind=$2; shift 2
results="$root/.cache/test-results"
mkdir -p "$results"
out="$results/$name.json"
rm -f "$out" "$results/$name.xml"
cd "$root"

case "$kind" in
  mocha)
    MOCHA_COUNTS_FILE="$out" npx mocha --import=tsx --reporter "$root/tools/mocha-counts-reporter.cjs" \
      --timeout 120000 "$@"
    rc=$?
    ;;
  pytest)
    case "$1" in
      jobs) venv=jobs ;;
      dags) venv=airflow ;;
      *) echo "run-suite: no Python environment for $1" >&2; exit 2 ;;
    esac
    "$root/.cache/venv/$venv/bin/python" -m pytest "$1" -p no:cacheprovider --junitxml="$results/$name.xml" -q
    rc=$?
    [ -f "$results/$name.xml" ] && "$root/node_modules/.bin/tsx" "$root/tools/summary.ts" --junit "$results/$name.xml" "$out"
    [ $rc -eq 5 ] && echo "run-suite: pytest collected no test in $1" >&2
    ;;
  check)
    "$@"
    rc=$?
    if [ $rc -eq 0 ]; then echo '{"passed":1,"failed":0}' > "$out"; else echo '{"passed":0,"failed":1}' > "$out"; fi
    ;;
  *) echo "run-suite: unknown kind $kind" >&2; exit 2 ;;
esac
# A suite that crashed before reporting counts as one failure.
[ -f "$out" ] || echo '{"passed":0,"failed":1}' > "$out"
exit $rc
