#!/usr/bin/env bash
# Installs what OneGrid needs on a Debian 12 machine: system packages (only when missing) and the
# project's virtualenv (only when pyproject.toml changed). Safe to run again; quick when nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."

extras=${1:-}   # "test" also installs the test and lint tools (pytest, ruff, mypy and its stubs) and
                # the browser used by page tests
venv=${ONEGRID_VENV:-.venv}
python=${PYTHON:-python3}

need=()
if [[ -z ${DATABASE_URL:-} ]]; then
  dpkg -s postgresql-15 >/dev/null 2>&1 || need+=(postgresql-15)
  dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || need+=(postgresql-15-postgis-3)
fi
dpkg -s postgresql-client-15 >/dev/null 2>&1 || need+=(postgresql-client-15)
if [[ $extras == test ]]; then
  dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
  dpkg -s kcat >/dev/null 2>&1 || need+=(kcat)  # an independent Kafka client for contract tests
  dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)  # Chinese glyphs in the screenshots
fi
if ((${#need[@]})); then
  echo "==> installing system packages: ${need[*]}"
  sudo=""; [[ $(id -u) == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

stamp="$venv/.installed${extras:+-$extras}"
if [[ ! -x $venv/bin/python ]]; then
  echo "==> creating virtualenv $venv"
  "$python" -m venv "$venv"
fi
if [[ ! -f $stamp || pyproject.toml -nt $stamp ]]; then
  echo "==> installing OneGrid into $venv"
  "$venv/bin/pip" install -q --upgrade pip >/dev/null
  "$venv/bin/pip" install -q -e ".${extras:+[$extras]}" 2>&1 | { grep -v "^WARNING: Location" || true; }
  touch "$stamp"
fi
