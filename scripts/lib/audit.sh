# The dependency audit: cargo-deny (pinned, installed into .tools/cargo by tools.sh) checks
# advisories, licences, bans and sources (deny.toml) against the offline snapshot of the RustSec
# advisory database in ../shared/advisory-db. Where that folder is absent, the step says so and
# skips; so it does when crates.io cannot be reached to install cargo-deny.

advisory_snapshot="$repo_root/../shared/advisory-db"
advisory_dbs="$repo_root/.tools/advisory-dbs"
# cargo-deny opens each database as a git checkout named after its URL (deny.toml's db-urls):
# for https://github.com/rustsec/advisory-db, this folder.
advisory_checkout="$advisory_dbs/advisory-db-3157b0e258782691"

# Makes the git checkout cargo-deny expects from the snapshot (a plain copy of the RustSec
# database), dated as the snapshot is, so that its staleness check sees the snapshot's real age.
# Redone only when the snapshot changes.
advisory_checkout_of_snapshot() {
  local stamp="$advisory_dbs/.snapshot"
  if [ -d "$advisory_checkout/.git" ] && [ -f "$stamp" ] && cmp -s "$stamp" "$advisory_snapshot/SNAPSHOT"; then
    return 0
  fi
  local day
  day=$(grep -oE '[0-9]{4}-[0-9]{2}-[0-9]{2}' "$advisory_snapshot/SNAPSHOT" 2>/dev/null | head -1 || true)
  day=${day:-$(date -u -r "$advisory_snapshot/crates" +%F)}
  rm -rf "$advisory_checkout" "$stamp"
  mkdir -p "$advisory_dbs"
  cp -R "$advisory_snapshot" "$advisory_checkout"
  chmod -R u+w "$advisory_checkout"
  (
    cd "$advisory_checkout"
    git init -q -b main
    git add -A
    GIT_AUTHOR_DATE="${day}T00:00:00Z" GIT_COMMITTER_DATE="${day}T00:00:00Z" \
      git -c user.name=orgcms -c user.email=orgcms@localhost -c commit.gpgsign=false \
      commit -q -m "RustSec advisory database: $(head -1 SNAPSHOT 2>/dev/null || echo snapshot)"
  ) || return 1
  touch -d "${day}T00:00:00Z" "$advisory_checkout/.git/HEAD"
  cp "$advisory_snapshot/SNAPSHOT" "$stamp" 2>/dev/null || echo "$day" >"$stamp"
}

# Sets AUDIT_OK=1 when the audit ran and passed; a finding fails (returns non-zero).
dependency_audit() {
  AUDIT_OK=0
  if [ ! -d "$advisory_snapshot/crates" ]; then
    loud_skip "no advisory database snapshot at $advisory_snapshot: the dependency audit (cargo-deny) did not run"
    return 0
  fi
  tools_cargo_deny || return 1
  [ "$CARGO_DENY_OK" = 1 ] || return 0
  advisory_checkout_of_snapshot || return 1
  # cargo-deny reads `cargo metadata` for every platform; a build downloads only this one's
  # crates (no winapi here), so fetch the whole lock file first (crates.io, like the install).
  if ! (cd "$repo_root" && cargo fetch --locked --quiet); then
    loud_skip "crates.io unreachable: could not fetch every crate of Cargo.lock; the dependency audit did not run"
    return 0
  fi
  echo "dependency audit: cargo-deny $CARGO_DENY_VERSION, $(head -1 "$advisory_snapshot/SNAPSHOT" 2>/dev/null || echo "advisories of $advisory_snapshot")"
  (cd "$repo_root" && PATH="$tools_dir/cargo/bin:$PATH" cargo deny --offline --locked check --show-stats --hide-inclusion-graph) || return 1
  AUDIT_OK=1
}
