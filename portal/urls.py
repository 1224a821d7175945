"""Absolute links for e-mails and receipts, built without a request (the worker has none)."""
from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """KESU_PUBLIC_URL + the route's path, e.g. for links in e-mails."""
    adapter = current_app.url_map.bind("localhost")
    path = adapter.build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
