"""A node's /metrics read by an independent parser (the Python `prometheus_client`), after
schemathesis has sent it thousands of requests: the text parses; every family README lists is
there; the route labels are documented patterns or `unmatched` (no path a client sent became a
series); and counters move as requests are made.

Usage: check.py BASE_URL METRICS_TOKEN OPENAPI_JSON
"""

import json
import sys
import urllib.error
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

base, token, document = sys.argv[1], sys.argv[2], sys.argv[3]

FAMILIES = {
    "orgcms_http_request_duration_seconds": "histogram",
    "orgcms_http_requests_in_flight": "gauge",
    "orgcms_db_pool_max_connections": "gauge",
    "orgcms_db_pool_connections": "gauge",
    "orgcms_db_pool_idle_connections": "gauge",
    "orgcms_db_pool_in_use_connections": "gauge",
    "orgcms_db_pool_wait_seconds": "histogram",
    "orgcms_db_pool_timeouts": "counter",
    "orgcms_response_cache_lookups": "counter",
    "orgcms_response_cache_evictions": "counter",
    "orgcms_response_cache_generation_changes": "counter",
    "orgcms_rate_limit_refusals": "counter",
    "orgcms_login_failures": "counter",
    "orgcms_webhook_attempts": "counter",
    "orgcms_webhook_outbox_pending_deliveries": "gauge",
    "orgcms_webhook_outbox_lag_seconds": "gauge",
    "orgcms_media_renders": "counter",
    "orgcms_media_render_seconds": "histogram",
}


def scrape():
    request = urllib.request.Request(base + "/metrics", headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
        text = response.read().decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


def total(families, name, sample_name, **labels):
    return sum(
        s.value
        for s in families[name].samples
        if s.name == sample_name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def get(path):
    try:
        urllib.request.urlopen(base + path).read()
    except urllib.error.HTTPError as error:
        error.read()


# Families by label show once one of their series has a sample.
LABELLED = {"orgcms_rate_limit_refusals", "orgcms_webhook_attempts", "orgcms_media_renders"}

before = scrape()
for name, kind in FAMILIES.items():
    if name in LABELLED and name not in before:
        continue
    assert name in before, f"{name} is missing"
    assert before[name].type == kind, f"{name} is a {before[name].type}, not a {kind}"

patterns = set(json.load(open(document))["paths"]) | {"unmatched", "/openapi.json", "/docs/{_:.*}", "/docs"}
routes = {s.labels["route"] for s in before["orgcms_http_request_duration_seconds"].samples}
assert routes <= patterns, f"routes that are no pattern: {sorted(routes - patterns)}"
assert "unmatched" in routes, "schemathesis sent paths of no route"
series = len(before["orgcms_http_request_duration_seconds"].samples)

count = "orgcms_http_request_duration_seconds_count"
for _ in range(3):
    get("/api/v1/objectives")
    get("/no/such/path/" + "x" * 40)
after = scrape()
moved = total(after, "orgcms_http_request_duration_seconds", count, route="/api/v1/objectives") - total(
    before, "orgcms_http_request_duration_seconds", count, route="/api/v1/objectives"
)
assert moved == 3, f"objectives moved by {moved}"
unmatched = total(after, "orgcms_http_request_duration_seconds", count, route="unmatched") - total(
    before, "orgcms_http_request_duration_seconds", count, route="unmatched"
)
assert unmatched == 3, f"unmatched moved by {unmatched}"
lookups = total(after, "orgcms_response_cache_lookups", "orgcms_response_cache_lookups_total")
assert lookups > total(before, "orgcms_response_cache_lookups", "orgcms_response_cache_lookups_total")
print(
    f"metrics: {len(after)} families parsed by prometheus_client, {series} request series "
    f"over {len(routes)} routes, counters moved"
)
