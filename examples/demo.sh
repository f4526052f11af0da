#!/usr/bin/env bash
# Harden a copy of examples/package/ with kpt and show what changed.
# Usage: examples/demo.sh path/to/harden-sa-token
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 path/to/harden-sa-token" >&2
  exit 2
fi
if [[ ! -x $1 ]]; then
  echo "$0: $1 is not an executable file (build it first: cargo build)" >&2
  exit 1
fi
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
package="$(cd "$(dirname "$0")" && pwd)/package"

for tool in kpt git; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "$0: '$tool' is not on PATH; this demo needs kpt (https://kpt.dev) and git" >&2
    exit 1
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/harden-sa-token-demo.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -R "$package" "$work/package"
cd "$work/package"

git init -q
git config user.email demo@example.invalid
git config user.name demo
git config commit.gpgsign false
git add -A
git commit -q -m "example package"

# kpt reformats YAML it writes; an identity pass first keeps that out of the diff.
if ! out=$(kpt fn eval . --exec cat 2>&1); then
  echo "$out" >&2
  exit 1
fi
if [[ -n $(git status --porcelain) ]]; then
  git add -A
  git commit -q -m "kpt formatting"
fi

echo "\$ kpt fn eval . --exec $bin"
kpt fn eval . --exec "$bin" --truncate-output=false 2>&1
echo
echo "\$ git diff"
git --no-pager -c color.ui=never diff --no-ext-diff

read -r files added removed < <(git diff --numstat | awk '{f++; a+=$1; r+=$2} END {print f+0, a+0, r+0}')
echo
echo "summary: $files file(s) changed, $added line(s) added, $removed line(s) removed" \
  "($(git diff --name-only | tr '\n' ' ' | sed 's/ $//'))"
