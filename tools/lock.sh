#!/usr/bin/env bash
# Writes the locks of the Python environments from their top-level pins, with uv (pinned in tools/ensure.sh):
# jobs/requirements.lock from jobs/pyproject.toml (with the dev extra) and dags/requirements-test.lock from
# dags/requirements-test.txt. Run it after changing a pin; tools/ensure.sh installs exactly what the locks say.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash tools/ensure.sh uv
uv=.cache/uv/bin/uv
"$uv" pip compile jobs/pyproject.toml --extra dev --python-version 3.11 --universal --quiet -o jobs/requirements.lock
"$uv" pip compile dags/requirements-test.txt --python-version 3.11 --python-platform x86_64-manylinux_2_28 --quiet -o dags/requirements-test.lock
