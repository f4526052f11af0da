#!/usr/bin/env bash
# Makes the independent validators available to tests/validators.rs: checkov and
# kubernetes-validate (offline Kubernetes schemas), installed from PyPI into .venv/ in
# the repository (ignored by git), with the tools for checking reports: pre-commit, and
# check-jsonschema and jsonschema (SARIF files against ../shared/schemas). Anything that
# stops the install is not an error here: the tests that need them then say SKIPPED
# (and fail under REQUIRE_E2E=1).
set -euo pipefail

venv="$(cd "$(dirname "$0")/.." && pwd)/.venv"
tools=(checkov kubernetes-validate pre-commit check-jsonschema jsonschema)
missing=()
for tool in "${tools[@]}"; do
  [[ -x $venv/bin/$tool ]] || missing+=("$tool")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "setup-validators: python3 is not installed; the validator tests will be skipped" >&2
  exit 0
fi
echo "setup-validators: installing ${missing[*]} into $venv" >&2
# pip is given every tool, not only the missing ones, so that it resolves one set of
# versions that all of them accept.
if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check \
  "${tools[@]}"; } >&2; then
  echo "setup-validators: pip could not install them; the validator tests will be skipped" >&2
fi
