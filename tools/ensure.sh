#!/usr/bin/env bash
# Installs what a command needs, once: `tools/ensure.sh node|jobs|airflow|mwaa-build|mariadb|jars|chromium|emulator|local ...`.
# Each step is keyed on a hash of the files that pin it, so a second run does nothing. Steps that do not depend on
# each other (npm, Debian packages, each Python environment, the jars) run at the same time, each with a log and
# a line when it starts and ends. Python environments are installed by uv from a lock of every transitive version
# (jobs/requirements.lock, dags/requirements-test.lock; regenerate them with: bash tools/lock.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="$root/.cache"
UV_VERSION=0.13.8
mkdir -p "$cache/stamps" "$cache/logs"
# One install at a time: two commands started together wait for each other instead of racing; the second finds
# the stamps the first wrote and does nothing.
exec 9>"$cache/ensure.lock"
flock 9

say() { printf 'ensure: %s\n' "$*" >&2; }
fail() { printf 'ensure: %s\n' "$*" >&2; exit 1; }

# stamp_ok NAME FILE...: true when FILE... are unchanged since the last successful install of NAME.
stamp_key() { cat "$@" | sha256sum | cut -c1-16; }
stamp_ok() { local name=$1; shift; [ -f "$cache/stamps/$name" ] && [ "$(cat "$cache/stamps/$name")" = "$(stamp_key "$@")" ]; }
stamp_write() { local name=$1; shift; stamp_key "$@" > "$cache/stamps/$name"; }

need_cmd() { command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed; install $2 and run again"; }

# --- the steps; each runs in its own subshell with its output in .cache/logs/ensure-NAME.log -------------------

install_node() {
  npm ci --no-audit --no-fund --loglevel=error --prefix "$root"
  stamp_write node "$root/package-lock.json"
}

install_apt() {
  # Debian's lists may be stale on a fresh machine: update once and try again.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" || {
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
  }
}

# uv itself, from PyPI at a pinned version, into .cache/uv (the Python environments' installer).
UV="$cache/uv/bin/uv"
ensure_uv() {
  if [ -x "$UV" ] && [ "$("$UV" --version 2>/dev/null)" = "uv $UV_VERSION" ]; then return; fi
  rm -rf "$cache/uv"
  python3 -m pip install --quiet --disable-pip-version-check --target "$cache/uv" "uv==$UV_VERSION"
}

# install_python_env NAME LOCK [EDITABLE-PROJECT]: .cache/venv/NAME holding exactly LOCK's versions.
install_python_env() {
  local name=$1 lock=$2 project=${3:-}
  local venv="$cache/venv/$name"
  ensure_uv
  # An existing environment is synced in place, so that a job already running from it keeps working.
  [ -x "$venv/bin/python" ] || "$UV" venv --quiet --python "$(command -v python3)" "$venv"
  "$UV" pip sync --python "$venv/bin/python" "$lock"
  if [ -n "$project" ]; then "$UV" pip install --python "$venv/bin/python" --no-deps -e "$project"; fi
}

install_jobs() {
  install_python_env jobs "$root/jobs/requirements.lock" "$root/jobs"
  stamp_write venv-jobs "$root/jobs/requirements.lock" "$root/jobs/pyproject.toml"
}

install_airflow() {
  install_python_env airflow "$root/dags/requirements-test.lock"
  stamp_write venv-airflow "$root/dags/requirements-test.lock"
}

# The pip that builds MWAA's plugins.zip (infra/buildMwaaPlugins.ts), pinned in its own one-line lock.
install_mwaa_build() {
  install_python_env mwaa-build "$root/tools/mwaa-build-requirements.txt"
  stamp_write venv-mwaa-build "$root/tools/mwaa-build-requirements.txt"
}

jar_inputs() {
  find "$root/local/jars" "$root/local/s3-sink" -type f \( -name pom.xml -o -name '*.java' \) | sort
  echo "$root/versions.json"
}

install_jars() {
  local inputs
  mapfile -t inputs < <(jar_inputs)
  rm -rf "$cache/jars"
  # The jars pom's modules: Kafka, S3Proxy, Delta Lake's Spark jars (at versions.json's version) and the project's
  # own S3 sink connector (built from its sources).
  local delta_version
  delta_version=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["delta"])' "$root/versions.json")
  mvn -q -B -f "$root/local/jars/pom.xml" -Dmaven.repo.local="$cache/m2" -Djars.dir="$cache/jars" \
    -Ddelta.version="$delta_version" package
  stamp_write jars "${inputs[@]}"
}

# --- what each target needs ---------------------------------------------------------------------------------------

steps=() apt_packages=()
add_step() { [[ " ${steps[*]} " == *" $1 "* ]] || steps+=("$1"); }
add_apt() { [[ " ${apt_packages[*]} " == *" $1 "* ]] || apt_packages+=("$1"); }

want_java() { need_cmd java "a Java 17 runtime (Debian: openjdk-17-jre-headless)"; }
want_python() {
  need_cmd python3 "Python 3.11"
  python3 -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else 1)' \
    || fail "Python 3.11 or newer is needed (found $(python3 --version)); install it and run again"
}

want_node() {
  need_cmd node "Node.js 20 (https://nodejs.org)"
  if [ -d "$root/node_modules" ] && stamp_ok node "$root/package-lock.json"; then return; fi
  add_step node
}
want_jobs() {
  want_java
  if [ -x "$cache/venv/jobs/bin/python" ] && stamp_ok venv-jobs "$root/jobs/requirements.lock" "$root/jobs/pyproject.toml"; then return; fi
  want_python
  add_step jobs
}
want_airflow() {
  if [ -x "$cache/venv/airflow/bin/python" ] && stamp_ok venv-airflow "$root/dags/requirements-test.lock"; then return; fi
  want_python
  add_step airflow
}
want_mwaa_build() {
  if [ -x "$cache/venv/mwaa-build/bin/python" ] && stamp_ok venv-mwaa-build "$root/tools/mwaa-build-requirements.txt"; then return; fi
  want_python
  add_step mwaa-build
}
want_mariadb() {
  if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then return; fi
  add_apt mariadb-server
  add_apt mariadb-client
}
want_jars() {
  want_java
  local inputs
  mapfile -t inputs < <(jar_inputs)
  if [ -d "$cache/jars" ] && stamp_ok jars "${inputs[@]}"; then return; fi
  need_cmd mvn "Apache Maven (Debian: maven)"
  add_step jars
}
# Debian's Chromium, for the report's browser test and screenshots (driven by playwright-core from npm).
want_chromium() { [ -x /usr/bin/chromium ] || add_apt chromium; }

for what in "$@"; do
  case "$what" in
    node) want_node ;;
    jobs) want_jobs ;;
    airflow) want_airflow ;;
    mwaa-build) want_mwaa_build ;;
    mariadb) want_mariadb ;;
    jars) want_jars ;;
    chromium) want_chromium ;;
    uv) want_python; ensure_uv >"$cache/logs/ensure-uv.log" 2>&1 || fail "installing uv $UV_VERSION failed; see $cache/logs/ensure-uv.log" ;;
    emulator) want_node; want_mariadb; want_jobs ;;
    local) want_node; want_mariadb; want_jobs; want_jars ;;
    *) fail "unknown target '$what' (node, jobs, airflow, mwaa-build, mariadb, jars, chromium, uv, emulator, local)" ;;
  esac
done
if [ ${#apt_packages[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || fail "missing Debian packages: ${apt_packages[*]}; run: sudo apt-get install -y ${apt_packages[*]}"
  add_step apt
fi
[ ${#steps[@]} -gt 0 ] || exit 0

# --- run the steps side by side -----------------------------------------------------------------------------------

describe() {
  case "$1" in
    node) echo "npm packages (npm ci)" ;;
    apt) echo "Debian packages: ${apt_packages[*]}" ;;
    jobs) echo "the jobs' Python environment (.cache/venv/jobs, uv, jobs/requirements.lock)" ;;
    airflow) echo "the DAG's Python environment (.cache/venv/airflow, uv, dags/requirements-test.lock)" ;;
    mwaa-build) echo "the pip that builds MWAA's plugins.zip (.cache/venv/mwaa-build)" ;;
    jars) echo "jars from Maven Central (.cache/jars)" ;;
  esac
}
run_step() {
  case "$1" in
    node) install_node ;;
    apt) install_apt "${apt_packages[@]}" ;;
    jobs) install_jobs ;;
    airflow) install_airflow ;;
    mwaa-build) install_mwaa_build ;;
    jars) install_jars ;;
  esac
}

# uv is shared by both Python environments: install it once, before they start.
if [[ " ${steps[*]} " == *" jobs "* || " ${steps[*]} " == *" airflow "* || " ${steps[*]} " == *" mwaa-build "* ]]; then
  ensure_uv >"$cache/logs/ensure-uv.log" 2>&1 || fail "installing uv $UV_VERSION from PyPI failed; see $cache/logs/ensure-uv.log"
fi

started=$SECONDS
declare -A step_of
for step in "${steps[@]}"; do
  log="$cache/logs/ensure-$step.log"
  say "installing $(describe "$step") (first run only; log: ${log#"$root"/})"
  ( set -e; run_step "$step" ) >"$log" 2>&1 &
  step_of[$!]=$step
done
failed=()
# Each step's line as it ends (wait -n -p: bash 5.1).
for _ in "${steps[@]}"; do
  status=0
  wait -n -p done_pid || status=$?
  step=${step_of[$done_pid]}
  if [ "$status" = 0 ]; then
    say "$step ready after $((SECONDS - started)) s"
  else
    failed+=("$step")
    say "$step failed: $(grep -v '^\s*$' "$cache/logs/ensure-$step.log" | tail -n 1) (log: .cache/logs/ensure-$step.log)"
  fi
done
[ ${#failed[@]} -eq 0 ] || fail "install failed (${failed[*]}); fix the cause above and run the command again"
[ ${#steps[@]} -eq 1 ] || say "all installed in $((SECONDS - started)) s"
