from standardwebhooks.webhooks import Webhook, WebhookVerificationError

seen = set()  # in production: a table with a unique key


def receive(secret: str, body: bytes, headers: dict):
    """The event orgcms sent, or None when the message is not from orgcms or was seen."""
    try:
        event = Webhook(secret).verify(body, headers)  # signature and timestamp (5 min)
    except WebhookVerificationError:
        return None  # answer 400
    if headers["webhook-id"] in seen:  # a retry of a message already handled
        return None  # answer 2xx all the same
    seen.add(headers["webhook-id"])
    return event  # answer 2xx within 15 s; fetch data["url"] for the current state
