#!/usr/bin/env bash
# `npm run local -- ...`: answers --help and --version at once, then installs what the command needs and runs it.
set -euo pipefail
# Bash builtins only up to the install, so that --help answers even where nothing else runs yet.
here="${BASH_SOURCE[0]%/*}"
[ "$here" = "${BASH_SOURCE[0]}" ] && here=.
root="$(cd "$here/.." && pwd)"
usage="$(< "$root/local/usage.txt")"
for arg in "$@"; do
  case "$arg" in
    -h|--help) printf '%s\n' "$usage"; exit 0 ;;
    --version) node -p "'pinterest-data-pipeline ' + require('$root/package.json').version"; exit 0 ;;
  esac
done
# An unknown command or flag is refused before the install; local/cli.ts checks the values afterwards.
usage_error() { printf 'local: %s\nsee: npm run local -- --help\n' "$1" >&2; exit 2; }
commands=" " flags=" "
section=""
while IFS= read -r line; do
  case "$line" in
    commands:*) section=commands ;;
    flags:*) section=flags ;;
    "") section="" ;;
  esac
  if [ "$section" = commands ] && [[ "$line" =~ ^\ \ ([a-z]+)\  ]]; then commands+="${BASH_REMATCH[1]} "; fi
  if [ "$section" = flags ] && [[ "$line" =~ ^\ \ (-[a-z]|--[a-z-]+)(,\ (--[a-z-]+))? ]]; then
    flags+="${BASH_REMATCH[1]} ${BASH_REMATCH[3]} "
  fi
done <<< "$usage"
if [ $# -gt 0 ] && [[ "$1" != -* ]] && [[ "$commands" != *" $1 "* ]]; then
  usage_error "unknown command \"$1\": use one of:${commands% }"
fi
for arg in "$@"; do
  if [[ "$arg" == -* ]] && [[ "$flags" != *" $arg "* ]]; then usage_error "unknown flag \"$arg\""; fi
done
case "${1:-up}" in
  status|logs|down|restart|peek) needs=(node) ;;
  jobs|query) needs=(node jobs) ;;
  *) needs=(local) ;;
esac
bash "$root/tools/ensure.sh" "${needs[@]}"
exec "$root/node_modules/.bin/tsx" "$root/local/cli.ts" "$@"
