#!/usr/bin/env bash
# Installs what a command needs, once: `tools/ensure.sh node|jobs|airflow|mwaa-build|mariadb|jars|chromium|emulator|local ...`.
# Each step is keyed on a hash of the file that pins it, so a second run does nothing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache"
mkdir -p "$cache/stamps"
# One install at a time: two commands started together wait for each other instead of racing.
exec 9>"$cache/ensure.lock"
flock 9

say() { printf 'ensure: %s\n' "$*" >&2; }
fail() { printf 'ensure: %s\n' "$*" >&2; exit 1; }

# stamp_ok NAME FILE...: true when FILE... are unchanged since the last successful install of NAME.
stamp_key() { cat "$@" | sha256sum | cut -c1-16; }
stamp_ok() { local name=$1; shift; [ -f "$cache/stamps/$name" ] && [ "$(cat "$cache/stamps/$name")" = "$(stamp_key "$@")" ]; }
stamp_write() { local name=$1; shift; stamp_key "$@" > "$cache/stamps/$name"; }

need_cmd() { command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed; install $2 and run again"; }

ensure_node() {
  need_cmd node "Node.js 20 (https://nodejs.org)"
  if [ -d "$root/node_modules" ] && stamp_ok node "$root/package-lock.json"; then return; fi
  say "installing npm packages (npm ci)"
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error) >&2
  stamp_write node "$root/package-lock.json"
}

apt_install() {
  local pkgs=("$@")
  if [ "$(id -u)" != 0 ]; then
    fail "missing Debian packages: ${pkgs[*]}; run: sudo apt-get install -y ${pkgs[*]}"
  fi
  say "installing Debian packages: ${pkgs[*]}"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >"$cache/apt.log" 2>&1; then
    apt-get update >>"$cache/apt.log" 2>&1
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${pkgs[@]}" >>"$cache/apt.log" 2>&1 \
      || fail "apt-get install ${pkgs[*]} failed; see $cache/apt.log"
  fi
}

# python_env NAME REQUIREMENT-FILE PIP-ARGS...: a virtual environment at .cache/venv/NAME.
python_env() {
  local name=$1 pinfile=$2; shift 2
  local venv="$cache/venv/$name"
  if [ -x "$venv/bin/python" ] && stamp_ok "venv-$name" "$pinfile"; then return; fi
  need_cmd python3 "Python 3.11"
  python3 -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' \
    || fail "Python 3.11 or newer is needed (found $(python3 --version)); install it and run again"
  if [ -x "$venv/bin/python" ]; then
    # Pins changed: update in place, so that a job already running from this environment keeps working.
    say "updating Python environment $name (its pins changed)"
  else
    say "creating Python environment $name (first run only; this downloads packages)"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >&2
  fi
  (cd "$root" && "$venv/bin/pip" install --quiet --disable-pip-version-check "$@") >&2
  stamp_write "venv-$name" "$pinfile"
}

ensure_java() { need_cmd java "a Java 17 runtime (Debian: openjdk-17-jre-headless)"; }

ensure_jobs() {
  ensure_java
  python_env jobs "$root/jobs/pyproject.toml" -e "$root/jobs[dev]"
}

ensure_airflow() {
  python_env airflow "$root/dags/requirements-test.txt" -r "$root/dags/requirements-test.txt"
}

# The pip that builds MWAA's plugins.zip (tools/build-mwaa-plugins.ts).
ensure_mwaa_build() {
  python_env mwaa-build "$root/tools/mwaa-build-requirements.txt" -r "$root/tools/mwaa-build-requirements.txt"
}

ensure_mariadb() {
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then return; fi
  apt_install mariadb-server mariadb-client
}

ensure_jars() {
  ensure_java
  local pom="$root/local/jars/pom.xml"
  # The jars pom's modules: S3Proxy's jars and the project's own S3 sink connector (built from its sources).
  local inputs
  mapfile -t inputs < <(find "$root/local/jars" "$root/local/s3-sink" -type f \( -name pom.xml -o -name '*.java' \) | sort)
  if [ -d "$cache/jars" ] && stamp_ok jars "${inputs[@]}"; then return; fi
  need_cmd mvn "Apache Maven (Debian: maven)"
  say "fetching jars from Maven Central (first run only)"
  rm -rf "$cache/jars"
  mvn -q -B -f "$pom" -Dmaven.repo.local="$cache/m2" -Djars.dir="$cache/jars" package >&2 \
    || fail "fetching jars failed; rerun with: mvn -f local/jars/pom.xml -Djars.dir=.cache/jars package"
  stamp_write jars "${inputs[@]}"
}

# Debian's Chromium, for the report's browser test and screenshots (driven by playwright-core from npm).
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return; fi
  apt_install chromium
}

for what in "$@"; do
  case "$what" in
    node) ensure_node ;;
    jobs) ensure_jobs ;;
    airflow) ensure_airflow ;;
    mwaa-build) ensure_mwaa_build ;;
    mariadb) ensure_mariadb ;;
    jars) ensure_jars ;;
    chromium) ensure_chromium ;;
    emulator) ensure_node; ensure_mariadb; ensure_jobs ;;
    local) ensure_node; ensure_mariadb; ensure_jobs; ensure_jars ;;
    *) fail "unknown target '$what' (node, jobs, airflow, mwaa-build, mariadb, jars, chromium, emulator, local)" ;;
  esac
done
