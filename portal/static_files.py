"""Static files with their content hash in the URL, so browsers (and nginx) may keep them a year.

`url_for('static', filename='portal.css')` becomes `/static/portal.css?v=<hash of the content>`:
templates need nothing else. A response to a URL whose `v` is the file's current hash is
`immutable` for a year; any other static response (no hash, or a page from before a deploy
asking for an old one) may be kept five minutes. The hash is read again when the file's size or
modification time changes, so a developer's edit shows on the next page without a restart.
"""
import hashlib
import os

from flask import request
from werkzeug.security import safe_join

LONG = "public, max-age=31536000, immutable"
SHORT_SECONDS = 300


class StaticHashes:
    """The short content hash of each file in the app's static folder, computed on first use and on change."""

    def __init__(self, app):
        self.app = app
        self._known: dict[str, tuple[tuple[int, int], str]] = {}

    def get(self, filename: str) -> str | None:
        path = safe_join(self.app.static_folder, filename)
        try:
            stat = os.stat(path) if path else None
        except OSError:
            return None
        if stat is None or not os.path.isfile(path):
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(filename)
        if known is None or known[0] != key:
            with open(path, "rb") as f:
                known = (key, hashlib.sha256(f.read()).hexdigest()[:12])
            self._known[filename] = known
        return known[1]


def init_app(app) -> None:
    hashes = StaticHashes(app)
    app.extensions["static_hashes"] = hashes

    @app.url_defaults
    def _add_hash(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = hashes.get(values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def _cache_static(response):
        if request.endpoint != "static":
            return response
        wanted = request.args.get("v")
        if wanted and wanted == hashes.get((request.view_args or {}).get("filename", "")):
            response.headers["Cache-Control"] = LONG
        else:
            response.headers["Cache-Control"] = f"public, max-age={SHORT_SECONDS}"
        response.headers.pop("Expires", None)  # Cache-Control says it all
        return response
