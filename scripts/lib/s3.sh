# The S3-compatible server of the storage tests (tests/api/media/storage.rs): moto's server mode
# on 127.0.0.1 and a free port, with one empty bucket. Sourced by scripts/test after tools.sh.
# s3_up exports what the tests read:
#   ORGCMS_TEST_S3_ENDPOINT            http://127.0.0.1:PORT
#   ORGCMS_TEST_S3_BUCKET              the bucket (each test works under a prefix of its own)
#   ORGCMS_TEST_S3_ACCESS_KEY_ID, ORGCMS_TEST_S3_SECRET_ACCESS_KEY, ORGCMS_TEST_S3_REGION
# The server's log is .tools/s3/server.log, printed when it fails to start and by s3_down after
# a failed run.

S3_TEST_BUCKET=orgcms-test
S3_PID=

s3_log() { echo "$tools_dir/s3/server.log"; }

# Starts the server (installing it first if needed) and waits, at most 30 s, until it answers.
s3_up() {
  tools_s3 || return 1
  mkdir -p "$tools_dir/s3"
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])') \
    || { echo "orgcms: no free port for the S3 test server" >&2; return 1; }
  "$tools_dir/moto/bin/moto_server" -H 127.0.0.1 -p "$port" >"$(s3_log)" 2>&1 &
  S3_PID=$!
  local endpoint="http://127.0.0.1:$port" tries=0
  until curl -fsS -o /dev/null --max-time 2 "$endpoint/" 2>/dev/null; do
    tries=$((tries + 1))
    if ! kill -0 "$S3_PID" 2>/dev/null || [ "$tries" -ge 60 ]; then
      echo "orgcms: the S3 test server did not answer on $endpoint; its log:" >&2
      cat "$(s3_log)" >&2
      s3_down
      return 1
    fi
    sleep 0.5
  done
  # moto takes unsigned requests: a plain PUT creates the bucket.
  if ! curl -fsS -o /dev/null --max-time 10 -X PUT "$endpoint/$S3_TEST_BUCKET"; then
    echo "orgcms: the S3 test server did not create the bucket $S3_TEST_BUCKET; its log:" >&2
    cat "$(s3_log)" >&2
    s3_down
    return 1
  fi
  export ORGCMS_TEST_S3_ENDPOINT="$endpoint"
  export ORGCMS_TEST_S3_BUCKET="$S3_TEST_BUCKET"
  export ORGCMS_TEST_S3_REGION=us-east-1
  export ORGCMS_TEST_S3_ACCESS_KEY_ID=orgcms-test
  export ORGCMS_TEST_S3_SECRET_ACCESS_KEY=orgcms-test-secret
  echo "orgcms: S3 test server (moto) on $endpoint, bucket $S3_TEST_BUCKET" >&2
}

# Stops the server s3_up started (by its process id), if any. With a non-zero argument (the exit
# status of the run) the end of the server's log is printed first.
s3_down() {
  local status="${1:-0}"
  [ -n "$S3_PID" ] || return 0
  if [ "$status" != 0 ] && [ -s "$(s3_log)" ]; then
    echo "orgcms: the run failed; the end of the S3 test server's log ($(s3_log)):" >&2
    tail -n 30 "$(s3_log)" >&2
  fi
  kill "$S3_PID" 2>/dev/null || true
  wait "$S3_PID" 2>/dev/null || true
  S3_PID=
}
