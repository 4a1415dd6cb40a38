"""Webhooks against the official Standard Webhooks verifier (PyPI `standardwebhooks`).

Run by scripts/test against a running `orgcms serve` (its relay on): subscribes a receiver of
its own, publishes news, rotates the secret and publishes again, and checks every message the
receiver got with the library, not with orgcms's code. Also: a tampered body and a wrong secret
must fail verification. Arguments: the server's base URL, an administrator's email and password.
"""

import json
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from receiver_example import receive

base, email, password = sys.argv[1:4]
received = []


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        received.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook_url = f"http://127.0.0.1:{server.server_address[1]}/orgcms"


def call(method, path, body=None, token=None):
    request = urllib.request.Request(base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(request) as response:
        text = response.read()
        return json.loads(text) if text else None


def wait_for(count):
    deadline = time.time() + 30
    while len(received) < count and time.time() < deadline:
        time.sleep(0.05)
    if len(received) < count:
        sys.exit(f"webhooks: {len(received)} of {count} messages arrived in 30 s")


token = call("POST", "/api/v1/auth/login", {"email": email, "password": password})["access_token"]
hook = call("POST", "/api/v1/webhooks", {"url": hook_url, "event_types": [
    "news.published", "news.updated", "news.deleted"]}, token)
first_secret = hook["secret"]
news = call("POST", "/api/v1/news", {"title": {"en": "Official verifier"}, "status": "published"}, token)
call("PATCH", f"/api/v1/news/{news['id']}", {"title": {"uk": "Перевірка"}}, token)
wait_for(2)
rotated = call("POST", f"/api/v1/webhooks/{hook['id']}/secret", {}, token)
second_secret = rotated["secret"]
call("DELETE", f"/api/v1/news/{news['id']}", None, token)
wait_for(3)

failures = []
# The README's example is this file's, word for word, and it accepts each message once.
example = open(__file__.replace("official.py", "receiver_example.py")).read()
readme = open(__file__.replace("tests/webhooks/official.py", "README.md")).read()
if example not in readme:
    failures.append("README.md does not show tests/webhooks/receiver_example.py as it is")
for number, (headers, body) in enumerate(received):
    lowered = {k.lower(): v for k, v in headers.items()}
    if receive(second_secret if number >= 2 else first_secret, body, lowered) is None:
        failures.append(f"message {number}: the README's receiver refused it")
    if receive(second_secret if number >= 2 else first_secret, body, lowered) is not None:
        failures.append(f"message {number}: the README's receiver took it twice")
    secrets = [first_secret] if number < 2 else [second_secret, first_secret]
    for secret in secrets:
        try:
            message = Webhook(secret).verify(body, headers)
        except WebhookVerificationError as error:
            failures.append(f"message {number} with secret {secrets.index(secret)}: {error}")
            continue
        if message["data"]["id"] != news["id"]:
            failures.append(f"message {number} is about {message['data']['id']}")
    for wrong in (lambda: Webhook(second_secret if number < 2 else "whsec_" + "A" * 32).verify(body, headers),
                  lambda: Webhook(secrets[0]).verify(body.replace(b"news", b"nevs"), headers)):
        try:
            wrong()
            failures.append(f"message {number}: a wrong secret or a tampered body verified")
        except WebhookVerificationError:
            pass
types = [json.loads(body)["type"] for _, body in received]
if sorted(types) != ["news.deleted", "news.published", "news.updated"]:
    failures.append(f"types {types}")
call("DELETE", f"/api/v1/webhooks/{hook['id']}", None, token)
if failures:
    sys.exit("webhooks: " + "; ".join(failures))
print(f"webhooks: {len(received)} messages verified by standardwebhooks (one secret rotation)")
