#!/usr/bin/env bash
# Make (or reuse) the course's virtual environment and print its path.
# It lives outside the clone, under ~/.cache/d2lite/venvs/<hash of the requirements and Python>,
# so repeated runs and fresh clones reuse the multi-GB torch install.
# The d2lite package itself is NOT installed into it: the environment is shared by every clone, so the Makefile
# puts its own clone first on PYTHONPATH (notebook kernels inherit it) and each clone runs its own code.
#   tools/venv.sh          create the environment if needed, print its path
#   tools/venv.sh --path   only print where it is (or would be), create nothing
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="${PYTHON:-python3}"
key="$( (cat "$root/requirements.txt" "$root/requirements-test.txt"; "$py" -c 'import sys; print(sys.version)') \
        | sha256sum | cut -c1-16)"
cache="${D2LITE_VENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/d2lite/venvs}"
venv="$cache/$key"
if [ "${1:-}" = "--path" ]; then
  echo "$venv"
  exit 0
fi
if [ ! -x "$venv/bin/python" ] || [ ! -f "$venv/.complete" ]; then
  echo "Creating the course environment in $venv (first time: about 2-5 minutes, several GB for torch)..." >&2
  rm -rf "$venv" && mkdir -p "$cache"
  "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip 2>&1 | grep -v "^WARNING: Location 'file:" >&2 || true
  # Everything but the '-e .' line: d2lite comes from the clone, on PYTHONPATH (see above).
  grep -v '^-e ' "$root/requirements.txt" > "$venv/requirements-no-self.txt"
  "$venv/bin/python" -m pip install --quiet -r "$venv/requirements-no-self.txt" -r "$root/requirements-test.txt" \
    2> >(grep -v "^WARNING: Location 'file:" >&2)
  touch "$venv/.complete"
fi
# Older versions linked the clone that ran this script last into the shared environment, for every clone: unlink it.
site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
rm -f "$site/d2lite-checkout.pth"
echo "$venv"
