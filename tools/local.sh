#!/usr/bin/env bash
# `npm run local -- ...`: answers --help and --version at once, then installs what the command needs and runs it.
set -euo pipefail
# Bash builtins only up to the install, so that --help answers even where nothing else runs yet.
here="${BASH_SOURCE[0]%/*}"
[ "$here" = "${BASH_SOURCE[0]}" ] && here=.
root="$(cd "$here/.." && pwd)"
for arg in "$@"; do
  case "$arg" in
    -h|--help) printf '%s\n' "$(< "$root/local/usage.txt")"; exit 0 ;;
    --version) node -p "'pinterest-data-pipeline ' + require('$root/package.json').version"; exit 0 ;;
  esac
done
case "${1:-up}" in
  status|logs|down) needs=(node) ;;
  jobs) needs=(node jobs) ;;
  *) needs=(local) ;;
esac
bash "$root/tools/ensure.sh" "${needs[@]}"
exec "$root/node_modules/.bin/tsx" "$root/local/cli.ts" "$@"
