# The fuzz step: the coverage-guided libFuzzer targets of tests/fuzz (cargo-fuzz, pinned in
# tools.sh), each built once and run for a bounded time from its committed seeds
# (tests/fuzz/corpus/<target>; what is found on the way is kept in a temporary folder only).
# A panic, a failed SQL statement or an input slower than FUZZ_TIMEOUT seconds is a crash: the
# step fails and names the file that reproduces it. The search target needs DATABASE_URL.

FUZZ_TARGETS=(markdown search)
# Seconds of fuzzing per target (ORGCMS_FUZZ_SECONDS), and the time one input may take.
FUZZ_SECONDS=${ORGCMS_FUZZ_SECONDS:-60}
FUZZ_TIMEOUT=2
fuzz_dir="$repo_root/tests/fuzz"

# cargo-fuzz passes nightly flags (-Z, -Cpasses=sancov-module ...): RUSTC_BOOTSTRAP=1 lets the
# stable toolchain take them. No sanitizer: the code under test is safe Rust, and AddressSanitizer
# would double the build; the coverage guidance is the same.
fuzz_cargo() {
  (cd "$repo_root" && RUSTC_BOOTSTRAP=1 "$tools_dir/cargo/bin/cargo-fuzz" fuzz "$1" --sanitizer none \
    --fuzz-dir tests/fuzz "${@:2}")
}

# Runs one target; 0 when it found nothing.
fuzz_one() {
  local target=$1 artifacts="$fuzz_dir/artifacts/$1" work log
  work=$(mktemp -d)
  log="$fuzz_dir/artifacts/$target.log"
  mkdir -p "$artifacts"
  local status=0
  fuzz_cargo run "$target" "$work" "$fuzz_dir/corpus/$target" -- \
    -max_total_time="$FUZZ_SECONDS" -timeout="$FUZZ_TIMEOUT" -rss_limit_mb=2048 -max_len=16384 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  rm -rf "$work"
  local runs speed
  runs=$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  speed=$(grep -oE '^stat::average_exec_per_sec: [0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  if [ "$status" = 0 ]; then
    echo "fuzz $target: ${runs:-?} inputs in ${FUZZ_SECONDS}s (${speed:-?}/s), nothing found"
    return 0
  fi
  tail -n 40 "$log" >&2
  local unit
  unit=$(grep -oE 'Test unit written to .*' "$log" | tail -n 1 | sed 's/^Test unit written to //' || true)
  echo "fuzz $target FAILED (full log: $log)" >&2
  if [ -n "$unit" ]; then
    echo "reproduce: RUSTC_BOOTSTRAP=1 .tools/cargo/bin/cargo-fuzz fuzz run --sanitizer none --fuzz-dir tests/fuzz $target $unit" >&2
  fi
  return 1
}

# Builds and runs every target; prints `fuzz: N passed, N failed, N skipped` and returns non-zero
# when a target found something (every target runs first).
fuzz_all() {
  local passed=0 failed=0 skipped=0 target
  tools_cargo_fuzz || return 1
  if [ "$CARGO_FUZZ_OK" != 1 ]; then
    echo "fuzz: 0 passed, 0 failed, ${#FUZZ_TARGETS[@]} skipped"
    return 0
  fi
  mkdir -p "$fuzz_dir/artifacts"
  if ! cargo fetch --locked --quiet --manifest-path "$fuzz_dir/Cargo.toml" >"$fuzz_dir/artifacts/fetch.log" 2>&1; then
    # A lock file that no longer fits (the root gained a dependency and tests/fuzz/Cargo.lock
    # was not brought along: `cargo fetch --manifest-path tests/fuzz/Cargo.toml`) is a failure,
    # whatever words its message shares with a network error.
    if ! grep -q -- '--locked was passed' "$fuzz_dir/artifacts/fetch.log" \
      && grep -qiE 'failed to (download|query|get|fetch|update)|could not resolve|network|timed out|connection|spurious' "$fuzz_dir/artifacts/fetch.log"; then
      loud_skip "crates.io is not reachable: the fuzz targets did not run"
      echo "fuzz: 0 passed, 0 failed, ${#FUZZ_TARGETS[@]} skipped"
      return 0
    fi
    cat "$fuzz_dir/artifacts/fetch.log" >&2
    return 1
  fi
  fuzz_cargo build || return 1
  for target in "${FUZZ_TARGETS[@]}"; do
    if [ "$target" = search ] && [ -z "${DATABASE_URL:-}" ]; then
      loud_skip "DATABASE_URL is not set: the search fuzz target did not run"
      skipped=$((skipped + 1))
      continue
    fi
    if fuzz_one "$target"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  done
  if [ -n "${DATABASE_URL:-}" ]; then
    psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS orgcms_fuzz WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  echo "fuzz: $passed passed, $failed failed, $skipped skipped"
  [ "$failed" = 0 ]
}
