#!/usr/bin/env bash
# rapidyaml's Python binding in .venv/ (from PyPI when missing): the parse `make bench`
# holds the function's time against (benches/bench/rapidyaml.py). Anything that stops
# the install is not an error here: the bench then says, loudly, that the reference was
# not measured.
set -euo pipefail

RAPIDYAML_VERSION=0.15.2
venv="$(cd "$(dirname "$0")/.." && pwd)/.venv"
if [[ -x $venv/bin/python ]] && "$venv/bin/python" -c 'import ryml' 2>/dev/null; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "setup-rapidyaml: python3 is not installed; the bench will have no rapidyaml reference" >&2
  exit 0
fi
echo "setup-rapidyaml: installing rapidyaml $RAPIDYAML_VERSION into $venv" >&2
if ! { { [[ -x $venv/bin/pip ]] || python3 -m venv "$venv"; } &&
  "$venv/bin/pip" install -q --disable-pip-version-check "rapidyaml==$RAPIDYAML_VERSION"; } >&2; then
  echo "setup-rapidyaml: pip could not install it; the bench will have no rapidyaml reference" >&2
fi
