#!/usr/bin/env bash
# Run the test suite on every Python among 3.11, 3.12 and 3.13 that this machine has, each in
# its own venv (.venv-py3.X). pip picks the Django the requirements allow: 5.2 LTS on 3.11,
# 6.x on 3.12+. Prints a summary table; exits non-zero if any installed Python failed.
set -u
cd "$(dirname "$0")/.."
PYTEST_ARGS=${PYTEST_ARGS:-}

find_python() {  # print a command that runs Python $1, or nothing
  local version=$1 candidate
  for candidate in "python$version" "$(pyenv root 2>/dev/null)/versions/$version"*/bin/"python$version"; do
    if [ -x "$(command -v "$candidate" 2>/dev/null)" ] && "$candidate" --version >/dev/null 2>&1; then
      command -v "$candidate"
      return
    fi
  done
}

summary=()
status=0
for version in 3.11 3.12 3.13; do
  python=$(find_python "$version")
  if [ -z "$python" ]; then
    summary+=("Python $version: not installed, skipped")
    continue
  fi
  venv=".venv-py$version"
  echo "=== Python $version ($python) in $venv"
  if ! { [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"; } ||
     ! "$venv/bin/python" -m pip install --quiet --upgrade pip ||
     ! "$venv/bin/python" -m pip install --quiet -r requirements-dev.txt; then
    summary+=("Python $version: install FAILED")
    status=1
    continue
  fi
  django=$("$venv/bin/python" -c "import django; print(django.get_version())")
  # shellcheck disable=SC2086  # PYTEST_ARGS is a list of options
  if "$venv/bin/python" -m pytest -q $PYTEST_ARGS > "$venv/pytest.log" 2>&1; then
    result="passed"
  else
    result="FAILED (see $venv/pytest.log)"
    status=1
  fi
  summary+=("Python $version, Django $django: $(tail -n 1 "$venv/pytest.log" | tr -d '=') — $result")
done
echo
printf '%s\n' "${summary[@]}"
exit $status
