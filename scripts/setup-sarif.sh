#!/usr/bin/env bash
# Makes Microsoft's SARIF validator available to tests/sarif_multitool.rs as
# .tools/sarif/node_modules/.bin/sarif-multitool in the repository (ignored by git),
# from the npm package @microsoft/sarif-multitool. The schema alone (tests/validators.rs)
# does not see what the validator's rules do: URIs that are not RFC 3986 references
# (SARIF1002), absolute URIs beside a uriBaseId (SARIF1004), a missing informationUri.
# Anything that stops the install is not an error here: the test then says SKIPPED (and
# fails under REQUIRE_E2E=1).
set -euo pipefail

# Pinned, so that every machine validates with the same rules.
package=@microsoft/sarif-multitool@5.7.0
dir="$(cd "$(dirname "$0")/.." && pwd)/.tools/sarif"
tool="$dir/node_modules/.bin/sarif-multitool"
if [[ -x $tool ]] && "$tool" --version >/dev/null 2>&1; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup-sarif: npm is not installed; the SARIF validator test will be skipped" >&2
  exit 0
fi
echo "setup-sarif: installing $package into $dir" >&2
if ! { mkdir -p "$dir" &&
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "$package" &&
  "$tool" --version; } >&2; then
  echo "setup-sarif: could not install $package; the SARIF validator test will be skipped" >&2
fi
