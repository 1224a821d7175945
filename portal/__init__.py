"""Kesu (客诉): the complaint-handling portal. `create_app` builds the Flask application."""
from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from . import config as config_module
from . import db, errors, i18n, scope, static_files

csrf = CSRFProtect()
login_manager = LoginManager()
htmx_ext = Htmx()

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="../static",
                instance_relative_config=True)
    app.config.update(config_module.load(app.instance_path, (config or {}).get("KESU_ENV")))
    if config:
        app.config.update(config)
    config_module.check(app.config)  # KESU_ENV=production refuses unsafe settings, saying what to fix

    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    db.database.initialize(db.make_database(app.config["DATABASE_URL"]))
    csrf.init_app(app)
    htmx_ext.init_app(app)
    i18n.init_app(app)
    static_files.init_app(app)
    _init_login(app)
    from .notify.actions import mail
    mail.init_app(app)
    from . import jobs
    jobs.init_app(app)
    from . import throttle
    throttle.init_app(app)  # rate limits in Redis when REDIS_URL is set, else in the database

    from .sla import escalation as _escalation, hooks as _sla_hooks, sweep as _sla_sweep  # noqa: F401
    from .status import hooks as _status_hooks  # noqa: F401
    from .hq import hooks as _hq_hooks  # noqa: F401
    from .revisits import hooks as _revisit_hooks  # noqa: F401  (after the deadline hooks: reads the REVISIT clock)
    from .supervision import hooks as _supervision_hooks, sweep as _supervision_sweep  # noqa: F401
    from .crisis import hooks as _crisis_hooks  # noqa: F401
    from .reports import hooks as _report_hooks  # noqa: F401  (stored monthly figures follow every change)
    from .sla import messages as sla_messages
    sla_messages.init_app(app)
    _register_blueprints(app)
    errors.register(app)
    from . import cli
    cli.register(app)

    @app.before_request
    def _connect():
        scope.set_scope(None)
        if request.endpoint != "core.healthz":  # the health check reports an unreachable database
            db.database.connect(reuse_if_open=True)

    @app.teardown_request
    def _close(exc):
        scope.set_scope(None)
        if not db.database.is_closed():
            db.database.close()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint and not request.endpoint.endswith("static"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.context_processor
    def _globals():
        from .access import can
        return {"can": can, "tenant": getattr(g, "tenant", None), "network": getattr(g, "network", None),
                "has_endpoint": lambda endpoint: endpoint in app.view_functions, "now_utc": db.now}

    return app


def _init_login(app: Flask) -> None:
    from .accounts.models import User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.localize_callback = str  # the lazy message, in the language of the request
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str):
        ident, _, version = user_id.partition(".")
        if not ident.isdigit() or not version.isdigit():
            return None
        user = User.get_or_none(User.id == int(ident))
        if user is None or user.session_version != int(version) or not user.is_active:
            return None  # logged out elsewhere, deactivated, or password changed
        return user


def _register_blueprints(app: Flask) -> None:
    from .accounts.views import bp as accounts_bp
    from .complaints.views import bp as complaints_bp
    from .sla import batch_views, escalation_views  # noqa: F401  (routes on the settings blueprint)
    from .sla.settings_views import bp as settings_bp
    from .sla.views import bp as sla_bp
    from .core_views import bp as core_bp
    from .hq.views import bp as hq_bp
    from .hq.tenant_views import bp as hq_tenant_bp
    from .notify.views import bp as notify_bp
    from .tenancy.views import bp as tenancy_bp
    from .revisits.views import bp as revisits_bp
    from .status.staff import bp as customer_link_bp
    from .status.views import bp as status_bp
    from .workspace.views import bp as workspace_bp
    from .reports.views import bp as reports_bp
    from .reports.hq_views import bp as hq_reports_bp
    from .cases.views import bp as cases_bp
    from .cases.hq_views import bp as hq_cases_bp
    from .approvals.views import bp as approvals_bp
    from .supervision.views import bp as supervision_bp
    from .crisis.views import bp as crisis_bp
    from .support.views import bp as support_bp
    from .customers.views import bp as customers_bp
    from .audit.views import bp as audit_bp, hq_bp as hq_audit_bp

    for bp in (core_bp, accounts_bp, workspace_bp, tenancy_bp, notify_bp, hq_bp, hq_tenant_bp, complaints_bp, sla_bp, settings_bp,
               status_bp, customer_link_bp, revisits_bp, reports_bp, hq_reports_bp, cases_bp, hq_cases_bp,
               approvals_bp, supervision_bp, crisis_bp, support_bp, customers_bp, audit_bp, hq_audit_bp):
        app.register_blueprint(bp)
