# Contract tools, each pinned, installed from the package registries into .tools/ (git-ignored).
# A tool whose registry cannot be reached is skipped with a loud message; any other failure fails.

tools_dir="$repo_root/.tools"

PYTHON_TOOLS=(openapi-spec-validator==0.9.0 schemathesis==4.32.5 standardwebhooks==1.1.0 prometheus_client==0.26.0)
NODE_TOOLS=(@redocly/cli@2.77.0)

loud_skip() {
  printf '\n!!!!!!!!!!\n!!! SKIPPED: %s\n!!!!!!!!!!\n\n' "$*" >&2
}

# Sets PYTHON_TOOLS_OK=1 when the Python tools are ready in .tools/venv.
tools_python() {
  PYTHON_TOOLS_OK=0
  local stamp="$tools_dir/venv/.installed-$(printf '%s ' "${PYTHON_TOOLS[@]}" | sha256sum | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    python3 -m venv "$tools_dir/venv" || return 1
    if ! "$tools_dir/venv/bin/pip" install -q --disable-pip-version-check "${PYTHON_TOOLS[@]}" >"$tools_dir/pip.log" 2>&1; then
      if grep -qiE 'connection|resolve|network|timed out|No matching distribution' "$tools_dir/pip.log"; then
        loud_skip "PyPI is not reachable: the Python contract tools did not run"
        return 0
      fi
      cat "$tools_dir/pip.log" >&2
      return 1
    fi
    touch "$stamp"
  fi
  PYTHON_TOOLS_OK=1
}

# Sets NODE_TOOLS_OK=1 when the npm tools are ready in .tools/node.
tools_node() {
  NODE_TOOLS_OK=0
  if ! command -v npm >/dev/null 2>&1; then
    loud_skip "npm is not installed: the npm contract tools did not run"
    return 0
  fi
  local stamp="$tools_dir/node/.installed-$(printf '%s ' "${NODE_TOOLS[@]}" | sha256sum | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    mkdir -p "$tools_dir/node"
    [ -f "$tools_dir/node/package.json" ] || echo '{"private": true}' >"$tools_dir/node/package.json"
    if ! (cd "$tools_dir/node" && npm install --no-package-lock --no-audit --no-fund --loglevel=error "${NODE_TOOLS[@]}") >"$tools_dir/npm.log" 2>&1; then
      if grep -qiE 'ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|network' "$tools_dir/npm.log"; then
        loud_skip "the npm registry is not reachable: the npm contract tools did not run"
        return 0
      fi
      cat "$tools_dir/npm.log" >&2
      return 1
    fi
    touch "$stamp"
  fi
  NODE_TOOLS_OK=1
}

# Installs the TypeScript client's pinned packages, generates its types from the committed
# document and type-checks it (tsc --strict). Sets CLIENT_TOOLS_OK=1 when it is ready to run.
tools_client() {
  CLIENT_TOOLS_OK=0
  command -v npm >/dev/null 2>&1 || { loud_skip "npm is not installed: the TypeScript client did not run"; return 0; }
  if ! (cd "$repo_root/tests/client" && npm install --no-audit --no-fund --loglevel=error) >"$tools_dir/npm-client.log" 2>&1; then
    if grep -qiE 'ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|network' "$tools_dir/npm-client.log"; then
      loud_skip "the npm registry is not reachable: the TypeScript client did not run"
      return 0
    fi
    cat "$tools_dir/npm-client.log" >&2
    return 1
  fi
  (cd "$repo_root/tests/client" \
    && node_modules/.bin/openapi-typescript ../../openapi/openapi.json -o schema.d.ts >/dev/null \
    && node_modules/.bin/tsc -p . --strict) || return 1
  CLIENT_TOOLS_OK=1
}

# cargo-deny: known vulnerabilities (RustSec), licences, bans and sources of the dependency tree.
CARGO_DENY_VERSION=0.20.2

# Sets CARGO_DENY_OK=1 when the pinned cargo-deny is ready in .tools/cargo/bin.
tools_cargo_deny() {
  CARGO_DENY_OK=0
  local bin="$tools_dir/cargo/bin/cargo-deny"
  if ! { [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qxF "cargo-deny $CARGO_DENY_VERSION"; }; then
    mkdir -p "$tools_dir/cargo"
    echo "installing cargo-deny $CARGO_DENY_VERSION into .tools/cargo (a few minutes, once)" >&2
    if ! cargo install --locked --quiet --root "$tools_dir/cargo" cargo-deny --version "=$CARGO_DENY_VERSION" \
      >"$tools_dir/cargo-install.log" 2>&1; then
      if grep -qiE 'failed to (download|query|get|fetch|update)|could not resolve|network|timed out|connection|spurious' "$tools_dir/cargo-install.log"; then
        loud_skip "crates.io is not reachable: the dependency audit (cargo-deny) did not run"
        return 0
      fi
      cat "$tools_dir/cargo-install.log" >&2
      return 1
    fi
  fi
  CARGO_DENY_OK=1
}

# cargo-fuzz: builds and runs the libFuzzer targets of tests/fuzz (scripts/lib/fuzz.sh).
CARGO_FUZZ_VERSION=0.13.2

# Sets CARGO_FUZZ_OK=1 when the pinned cargo-fuzz is ready in .tools/cargo/bin.
tools_cargo_fuzz() {
  CARGO_FUZZ_OK=0
  local bin="$tools_dir/cargo/bin/cargo-fuzz"
  if ! { [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qxF "cargo-fuzz $CARGO_FUZZ_VERSION"; }; then
    mkdir -p "$tools_dir/cargo"
    echo "installing cargo-fuzz $CARGO_FUZZ_VERSION into .tools/cargo (about a minute, once)" >&2
    if ! cargo install --locked --quiet --root "$tools_dir/cargo" cargo-fuzz --version "=$CARGO_FUZZ_VERSION" \
      >"$tools_dir/cargo-install-fuzz.log" 2>&1; then
      if grep -qiE 'failed to (download|query|get|fetch|update)|could not resolve|network|timed out|connection|spurious' "$tools_dir/cargo-install-fuzz.log"; then
        loud_skip "crates.io is not reachable: the fuzz targets (cargo-fuzz) did not run"
        return 0
      fi
      cat "$tools_dir/cargo-install-fuzz.log" >&2
      return 1
    fi
  fi
  CARGO_FUZZ_OK=1
}

# The S3-compatible server of the storage tests: moto's server mode (it speaks S3's HTTP API and
# keeps the objects in memory), in a virtualenv of its own so that its dependencies and the
# contract tools' never pull each other's versions. Unlike the contract tools it is required: the
# storage tests of both backends are part of the suite, so a failed install fails the test command.
S3_TOOLS=("moto[server]==5.2.5")

# Installs the pinned moto into .tools/moto; returns 1, saying why, when it cannot.
tools_s3() {
  local venv="$tools_dir/moto"
  local stamp="$venv/.installed-$(printf '%s ' "${S3_TOOLS[@]}" | sha256sum | cut -c1-12)"
  [ -f "$stamp" ] && return 0
  mkdir -p "$tools_dir"
  echo "installing ${S3_TOOLS[*]} into .tools/moto (about two minutes, once)" >&2
  if ! python3 -m venv "$venv" >"$tools_dir/pip-moto.log" 2>&1 \
    || ! "$venv/bin/pip" install -q --disable-pip-version-check "${S3_TOOLS[@]}" >>"$tools_dir/pip-moto.log" 2>&1; then
    cat "$tools_dir/pip-moto.log" >&2
    echo "orgcms: the S3 test server (${S3_TOOLS[*]}) could not be installed from PyPI into .tools/moto" \
      "(log above, in .tools/pip-moto.log); the storage tests need it, so the tests cannot run" >&2
    return 1
  fi
  touch "$stamp"
}
