#!/usr/bin/env bash
# Makes podman available for the image end-to-end tests: installs podman, buildah and
# runc from Debian's packages when podman is missing and this is a root shell with
# apt-get. Anything else is not an error here: the image tests then say SKIPPED (and
# fail under REQUIRE_E2E=1), which names the real cause better than this script could.
set -euo pipefail

if command -v podman >/dev/null 2>&1; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-podman: podman is not installed and this is not a root shell with apt-get;" \
    "the image tests will be skipped (install podman, buildah and runc to run them)" >&2
  exit 0
fi
echo "setup-podman: installing podman, buildah and runc from apt" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq podman buildah runc; } >&2; then
  echo "setup-podman: apt-get could not install podman; the image tests will be skipped" >&2
fi
