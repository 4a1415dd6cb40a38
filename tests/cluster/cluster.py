#!/usr/bin/env python3
"""The production-shape suite (issue #16): three orgcms nodes on one primary and a real
streaming replica, on loopback. Standard library only. Run by scripts/cluster, which makes the replica with
pg_basebackup and starts, stops and delays it for the suite.

Promises checked (each prints its figures; a broken one fails the run, exit 1):
- anonymous reads go to the replica once it is well; editor reads never do;
- read your writes: with the replica 1 s behind, no read on the writing node, and no read that
  carries the write's Consistency-Token on the other node, ever shows older data, from the
  database or from the response cache;
- a replica lagging past ORGCMS_REPLICA_MAX_LAG_MS is left out within seconds, and taken back
  once it catches up;
- a replica stopped under load costs no failed read, and serves again once restarted;
- how long a write on one node takes to reach anonymous readers of the other (p50/p99/max);
- three nodes behave as one: access tokens, refresh rotation, Idempotency-Key, account
  deactivation and key revocation hold across them at once; the per-address rate limit is
  each node's own, as documented.
Arguments come from the environment: CL_BIN, CL_DB_URL, CL_REPLICA_URL, CL_CTL, CL_LOG_DIR.
"""

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

BIN = os.environ["CL_BIN"]
DB_URL = os.environ["CL_DB_URL"]
REPLICA_URL = os.environ["CL_REPLICA_URL"]
CTL = os.environ["CL_CTL"]
LOG_DIR = os.environ.get("CL_LOG_DIR", "/tmp")
ADMIN = ("cluster-admin@example.org", "cluster-admin-passphrase")
METRICS_TOKEN = "cluster-metrics-token"
MAX_LAG_MS = 2000
CHECK_MS = 250

failures = []
servers = []


def check(condition, message):
    print(("  ok    " if condition else "  FAIL  ") + message, flush=True)
    if not condition:
        failures.append(message)


def ctl(*args):
    subprocess.run([CTL, *args], check=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(server, method, path, body=None, headers=None, timeout=15, conn=None):
    """One request; returns (status, headers dict, parsed body or text)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        all_headers = dict(headers or {})
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        raw = response.read()
        head = {k.lower(): v for k, v in response.getheaders()}
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return response.status, head, parsed
    finally:
        if own:
            conn.close()


class Server:
    def __init__(self, name, **env):
        self.name = name
        self.port = free_port()
        self.log_path = os.path.join(LOG_DIR, f"cluster-{name}.log")
        environment = dict(os.environ, DATABASE_URL=DB_URL, ORGCMS_BIND=f"127.0.0.1:{self.port}",
                           RUST_LOG="info,orgcms=info,actix_web=warn",
                           ORGCMS_JWT_SECRET="cluster-secret-cluster-secret-0123456789",
                           ORGCMS_ADMIN_EMAIL=ADMIN[0], ORGCMS_ADMIN_PASSWORD=ADMIN[1],
                           ORGCMS_METRICS_TOKEN=METRICS_TOKEN,
                           ORGCMS_DATABASE_REPLICA_URLS=REPLICA_URL,
                           ORGCMS_REPLICA_MAX_LAG_MS=str(MAX_LAG_MS),
                           ORGCMS_REPLICA_CHECK_MS=str(CHECK_MS),
                           # Every client here is 127.0.0.1.
                           ORGCMS_RATE_LIMIT_PER_MINUTE="0", ORGCMS_LOGIN_RATE_LIMIT_PER_MINUTE="0")
        environment.update({k: str(v) for k, v in env.items()})
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([BIN, "serve"], env=environment, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        servers.append(self)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"server {name} exited at start-up; see {self.log_path}")
            try:
                if request(self, "GET", "/readyz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            raise SystemExit(f"server {name} did not get ready; see {self.log_path}")
        self.token = request(self, "POST", "/api/v1/auth/login",
                             {"email": ADMIN[0], "password": ADMIN[1]})[2]["access_token"]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.log.closed:
            self.log.close()

    def metrics(self):
        status, _, text = request(self, "GET", "/metrics",
                                  headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert status == 200, status
        values = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        return values

    def replica_reads(self):
        m = self.metrics()
        return (m.get('orgcms_db_replica_reads_total{target="replica"}', 0),
                m.get('orgcms_db_replica_reads_total{target="primary"}', 0))

    def replica_up(self):
        return self.metrics().get('orgcms_db_replica_up{replica="0"}', 0) == 1

    def write(self, member_states):
        """PATCHes the organization as an editor (member_states: 0 to 1000); returns the
        Consistency-Token."""
        status, head, _ = request(self, "PATCH", "/api/v1/organization",
                                  {"member_states": member_states},
                                  headers={"Authorization": f"Bearer {self.token}"})
        assert status == 200, status
        return head["consistency-token"]

    def public_value(self, token=None, conn=None):
        headers = {"Consistency-Token": token} if token else {}
        status, _, body = request(self, "GET", "/api/v1/organization", headers=headers, conn=conn)
        assert status == 200, (status, body)
        return body["member_states"]


def wait_for(condition, limit):
    """Seconds until `condition()` holds, or None after `limit` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def replica_serves_public_reads(node1, node2):
    print("replica routing: anonymous reads to the replica, editor reads to the primary")
    took = wait_for(node1.replica_up, 10)
    check(took is not None, f"the replica is taken in after start-up ({took and round(took, 2)} s)")
    replica_before, primary_before = node1.replica_reads()
    # Different pages: each is a cache miss, so each reaches a database.
    for per_page in range(1, 21):
        assert request(node1, "GET", f"/api/v1/news?per_page={per_page}")[0] == 200
    replica_after, primary_after = node1.replica_reads()
    check(replica_after - replica_before >= 15,
          f"anonymous reads ran on the replica ({replica_after - replica_before:.0f} of 20; "
          f"{primary_after - primary_before:.0f} on the primary)")
    editor = {"Authorization": f"Bearer {node1.token}"}
    for per_page in range(1, 11):
        assert request(node1, "GET", f"/api/v1/news?per_page={per_page}", headers=editor)[0] == 200
    replica_last, _ = node1.replica_reads()
    check(replica_last == replica_after, "editor reads never ran on the replica")


def read_your_writes_under_lag(node1, node2):
    print("read your writes with the replica 1 s behind (recovery_min_apply_delay)")
    ctl("replica-delay", "1000")
    stale_here = stale_there = reads = 0
    replica_before, _ = node1.replica_reads()
    conn1 = http.client.HTTPConnection("127.0.0.1", node1.port, timeout=15)
    conn2 = http.client.HTTPConnection("127.0.0.1", node2.port, timeout=15)
    last = None
    for i in range(6):
        value = 200 + i
        token = node1.write(value)
        last = value
        # For 1.5 s: the writing node's anonymous reads (from its cache, the replica once it
        # has replayed the write, or the primary) and the other node's reads with the token.
        # Searches, each a cache miss (a word of its own), reach a database: the replica once
        # it has replayed the write.
        ends = time.monotonic() + 1.5
        while time.monotonic() < ends:
            if node1.public_value(conn=conn1) < value:
                stale_here += 1
            if node2.public_value(token=token, conn=conn2) < value:
                stale_there += 1
            reads += 2
            page = f"/api/v1/news?q=word{value}x{reads}"
            assert request(node1, "GET", page, conn=conn1)[0] == 200
    replica_after, _ = node1.replica_reads()
    check(stale_here == 0, f"no stale read on the writing node ({stale_here} of {reads // 2})")
    check(stale_there == 0,
          f"no stale read with the token on the other node ({stale_there} of {reads // 2})")
    check(replica_after > replica_before,
          f"the replica served reads between writes once it had replayed them "
          f"({replica_after - replica_before:.0f} reads)")
    ctl("replica-delay", "0")
    return last


class Writer:
    """Writes every 200 ms, so that the primary's position keeps moving."""

    def __init__(self, node):
        self.node, self.stop_flag = node, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        i = 0
        while not self.stop_flag.is_set():
            self.node.write(300 + i % 300)
            i += 1
            time.sleep(0.2)

    def finish(self):
        self.stop_flag.set()
        self.thread.join()


def a_lagging_replica_is_left_out(node1, node2):
    print(f"lag past the bound ({MAX_LAG_MS} ms): the replica is left out, then taken back")
    writer = Writer(node1)
    ctl("replica-delay", "5000")
    left = wait_for(lambda: not node1.replica_up(), 15)
    check(left is not None and left < (MAX_LAG_MS + 4 * CHECK_MS) / 1000 + 3,
          f"left out {left and round(left, 2)} s after the delay began "
          f"(the bound is {MAX_LAG_MS / 1000} s)")
    lags = []
    for _ in range(5):
        lags.append(node1.metrics().get('orgcms_db_replica_lag_milliseconds{replica="0"}', 0))
        time.sleep(0.2)
    print(f"  lag seen while left out: {min(lags):.0f}-{max(lags):.0f} ms")
    replica_before, _ = node1.replica_reads()
    for per_page in range(21, 31):
        assert request(node1, "GET", f"/api/v1/news?per_page={per_page}")[0] == 200
    check(node1.replica_reads()[0] == replica_before, "no read ran on the lagging replica")
    ctl("replica-delay", "0")
    back = wait_for(node1.replica_up, 20)
    check(back is not None, f"taken back {back and round(back, 2)} s after the delay ended")
    writer.finish()


class Readers:
    """Anonymous readers in threads, each on its own keep-alive connection, recording every
    outcome and duration."""

    def __init__(self, node, count=4):
        self.node, self.stop_flag = node, threading.Event()
        self.lock = threading.Lock()
        self.outcomes = []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(count)]
        for t in self.threads:
            t.start()

    def run(self, index):
        conn = None
        n = 0
        while not self.stop_flag.is_set():
            n += 1
            # Cache misses, mostly: a different page each time.
            path = f"/api/v1/news?per_page={1 + (index * 7 + n) % 50}"
            started = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.node.port, timeout=15)
                outcome = request(self.node, "GET", path, conn=conn)[0]
            except (OSError, http.client.HTTPException) as error:
                conn = None
                outcome = type(error).__name__
            with self.lock:
                self.outcomes.append((outcome, time.monotonic() - started))

    def finish(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join()
        return self.outcomes


def a_replica_stopped_under_load(node1, node2):
    print("the replica stopped and started under load")
    writer = Writer(node1)
    readers = Readers(node1)
    time.sleep(1)
    ctl("replica-stop")
    left = wait_for(lambda: not node1.replica_up(), 10)
    check(left is not None, f"left out {left and round(left, 2)} s after it stopped")
    time.sleep(2)
    ctl("replica-start")
    back = wait_for(node1.replica_up, 30)
    check(back is not None, f"taken back {back and round(back, 2)} s after it started again")
    replica_before, _ = node1.replica_reads()
    time.sleep(1)
    outcomes = readers.finish()
    writer.finish()
    failed = [o for o, _ in outcomes if o != 200]
    slowest = max(d for _, d in outcomes)
    check(not failed, f"no read failed ({len(failed)} of {len(outcomes)}: {sorted(set(map(str, failed)))}); "
          f"slowest {slowest * 1000:.0f} ms")
    check(node1.replica_reads()[0] > replica_before, "the restarted replica serves reads again")


def cross_node_visibility(node1, node2):
    print("a write on node 1, seen by anonymous reads of node 2 (no token)")
    delays = []
    conn2 = http.client.HTTPConnection("127.0.0.1", node2.port, timeout=15)
    for i in range(200):
        value = 600 + i
        node1.write(value)
        acknowledged = time.monotonic()
        while node2.public_value(conn=conn2) < value:
            if time.monotonic() - acknowledged > 10:
                break
        delays.append(time.monotonic() - acknowledged)
        time.sleep(0.05)
    ms = [d * 1000 for d in delays]
    print(f"  visibility on the other node over {len(ms)} writes: p50 {percentile(ms, 50):.0f} ms, "
          f"p99 {percentile(ms, 99):.0f} ms, max {max(ms):.0f} ms")
    check(max(ms) < 2000, "every write was visible on the other node within 2 s")


def as_user(server, token, method, path, body=None, headers=None):
    all_headers = {"Authorization": f"Bearer {token}", **(headers or {})}
    return request(server, method, path, body, headers=all_headers)


def three_nodes_behave_as_one(node1, node2, node3):
    print("three nodes on one primary behave as one")
    # An access token from node 1 works on node 3.
    status, _, me = as_user(node3, node1.token, "GET", "/api/v1/auth/me")
    check(status == 200 and me["email"] == ADMIN[0], f"node 1's access token works on node 3 ({status})")

    # A refresh token rotated on one node is dead on the others.
    login = request(node1, "POST", "/api/v1/auth/login",
                    {"email": ADMIN[0], "password": ADMIN[1]})[2]
    rotated = request(node1, "POST", "/api/v1/auth/refresh",
                      {"refresh_token": login["refresh_token"]})
    again = [request(n, "POST", "/api/v1/auth/refresh",
                     {"refresh_token": login["refresh_token"]})[0] for n in (node2, node3)]
    check(rotated[0] == 200 and again == [401, 401],
          f"a refresh token rotated on node 1 is refused on nodes 2 and 3 ({rotated[0]}, {again})")

    # An Idempotency-Key is honoured across nodes: a retry elsewhere replays, a different body
    # under the key is refused.
    key = {"Idempotency-Key": f"cluster-{time.time_ns()}"}
    body = {"title": {"en": "Idempotency across nodes"}, "status": "published"}
    first = as_user(node1, node1.token, "POST", "/api/v1/news", body, key)
    retried = as_user(node2, node1.token, "POST", "/api/v1/news", body, key)
    other = as_user(node3, node1.token, "POST", "/api/v1/news", {**body, "summary": {"en": "x"}}, key)
    check(first[0] == 201 and retried[0] == 201 and retried[2]["id"] == first[2]["id"],
          f"a retry on node 2 replays node 1's answer ({first[0]}, {retried[0]})")
    check(other[0] == 422, f"another body under the key on node 3 is refused ({other[0]})")
    listed = request(node3, "GET", "/api/v1/news?q=idempotency",
                     headers={"Consistency-Token": retried[1]["consistency-token"]})[2]["data"]
    check(len([n for n in listed if n["title"] == "Idempotency across nodes"]) == 1, "one item was made")

    # Deactivating an account holds at once on every node.
    email = f"editor-{time.time_ns()}@example.org"
    created = as_user(node1, node1.token, "POST", "/api/v1/users",
                      {"email": email, "display_name": "Cluster Editor", "role": "editor",
                       "password": "cluster-editor-passphrase"})
    editor = request(node2, "POST", "/api/v1/auth/login",
                     {"email": email, "password": "cluster-editor-passphrase"})[2]["access_token"]
    before = [as_user(n, editor, "GET", "/api/v1/auth/me")[0] for n in (node1, node2, node3)]
    deactivated = as_user(node1, node1.token, "PATCH", f"/api/v1/users/{created[2]['id']}",
                          {"active": False})
    after = [as_user(n, editor, "GET", "/api/v1/auth/me")[0] for n in (node2, node3, node1)]
    check(before == [200] * 3 and deactivated[0] == 200 and after == [401] * 3,
          f"a deactivated account is refused on every node at once ({before} -> {after})")

    # Revoking an API key holds at once on every node.
    issued = as_user(node1, node1.token, "POST", "/api/v1/api-keys",
                     {"name": "Cluster partner", "scopes": ["content:read"]})[2]
    before = [as_user(n, issued["key"], "GET", "/api/v1/organization")[0]
              for n in (node1, node2, node3)]
    revoked = as_user(node2, node1.token, "DELETE", f"/api/v1/api-keys/{issued['id']}")
    after = [as_user(n, issued["key"], "GET", "/api/v1/organization")[0]
             for n in (node3, node1, node2)]
    check(before == [200] * 3 and revoked[0] == 204 and after == [401] * 3,
          f"a revoked key is refused on every node at once ({before} -> {after})")


def rate_limits_are_per_node():
    print("the per-address rate limit is each node's own (as documented)")
    limited = [Server(f"limited{i}", ORGCMS_RATE_LIMIT_PER_MINUTE=20) for i in (1, 2)]
    # Start-up spent one login of each node's budget; the rest is spent on node A.
    statuses = [request(limited[0], "GET", "/api/v1/objectives")[0] for _ in range(25)]
    elsewhere = request(limited[1], "GET", "/api/v1/objectives")[0]
    check(200 in statuses and statuses[-1] == 429,
          f"node A refuses the address once its 20 a minute are spent "
          f"({statuses.count(200)} answered, {statuses.count(429)} refused)")
    check(elsewhere == 200, f"node B still answers the same address ({elsewhere})")
    for server in limited:
        server.stop()


def main():
    try:
        node1 = Server("node1")
        node2 = Server("node2")
        node3 = Server("node3")
        for scenario in (replica_serves_public_reads, read_your_writes_under_lag,
                         a_lagging_replica_is_left_out, a_replica_stopped_under_load,
                         cross_node_visibility):
            scenario(node1, node2)
        three_nodes_behave_as_one(node1, node2, node3)
        rate_limits_are_per_node()
    finally:
        for server in servers:
            server.stop()
    for server in servers:
        with open(server.log_path, errors="replace") as f:
            check("panicked" not in f.read(), f"{server.name} did not panic")
    if failures:
        print(f"cluster suite: {len(failures)} failed", flush=True)
        sys.exit(1)
    print("cluster suite: all passed", flush=True)


if __name__ == "__main__":
    main()
