"""Error pages: 403, 404, 422-free 400 for CSRF, 500."""
from flask import render_template
from flask_wtf.csrf import CSRFError


def register(app) -> None:
    def page(status, message=None):
        return render_template("errors/error.html", status=status, message=message), status

    app.register_error_handler(403, lambda e: page(403))
    app.register_error_handler(404, lambda e: page(404))
    app.register_error_handler(405, lambda e: page(405))
    app.register_error_handler(413, lambda e: page(413))
    app.register_error_handler(429, lambda e: page(429))
    app.register_error_handler(CSRFError, lambda e: page(400, "csrf"))
    app.register_error_handler(500, lambda e: page(500))
