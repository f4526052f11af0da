#!/usr/bin/env bash
# Makes the independent validators available to tests/validators.rs: checkov and
# kubernetes-validate (offline Kubernetes schemas), installed from PyPI into .venv/ in
# the repository (ignored by git). Anything that stops the install is not an error here:
# the validator tests then say SKIPPED (and fail under REQUIRE_E2E=1).
set -euo pipefail

venv="$(cd "$(dirname "$0")/.." && pwd)/.venv"
if [[ -x $venv/bin/checkov && -x $venv/bin/kubernetes-validate ]]; then
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "setup-validators: python3 is not installed; the validator tests will be skipped" >&2
  exit 0
fi
echo "setup-validators: installing checkov and kubernetes-validate into $venv" >&2
if ! { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check \
  checkov kubernetes-validate; } >&2; then
  echo "setup-validators: pip could not install them; the validator tests will be skipped" >&2
fi
