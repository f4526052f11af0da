#!/usr/bin/env bash
# Lays the RustSec advisory database snapshot beside the checkout
# (../shared/advisory-db, see its SNAPSHOT.md) where deny.toml's db-path makes cargo-deny
# look for the default database, as the one-commit git repository cargo-deny reads.
# Nothing is fetched: `make lint` runs cargo-deny with --offline. The copy is remade only
# when the snapshot's SNAPSHOT.md changes.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
snapshot="$root/../shared/advisory-db"
# cargo-deny names the directory of its default database after a hash of its URL.
db="$root/target/advisory-dbs/advisory-db-3157b0e258782691"

if [[ ! -f $snapshot/SNAPSHOT.md ]]; then
  echo "advisory-db: no snapshot at $snapshot (../shared beside the checkout)" >&2
  exit 1
fi
if [[ -f $db/SNAPSHOT.md ]] && cmp -s "$snapshot/SNAPSHOT.md" "$db/SNAPSHOT.md" &&
  git -C "$db" rev-parse --verify -q HEAD >/dev/null; then
  exit 0
fi
rm -rf "$db"
mkdir -p "$db"
cp -R "$snapshot/." "$db/"
# The commit's date is the snapshot's, so cargo-deny reports the database's real age.
date="$(sed -n 's/.* of \([0-9]\{4\}-[0-9][0-9]-[0-9][0-9]\).*/\1/p' "$snapshot/SNAPSHOT.md" | head -n 1)"
date="${date:-1970-01-01}T00:00:00Z"
(
  cd "$db"
  git init -q
  git add -A
  GIT_AUTHOR_DATE="$date" GIT_COMMITTER_DATE="$date" \
    git -c user.name=snapshot -c user.email=snapshot@localhost -c commit.gpgsign=false \
    commit -q -m "RustSec advisory database snapshot"
)
echo "advisory-db: laid the snapshot of $date into $db" >&2
