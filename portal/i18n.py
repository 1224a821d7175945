"""Language and time-zone selection, and date formatting in the tenant's time zone."""
import datetime
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, request, session
from flask_babel import Babel, get_locale
from flask_login import current_user

LANGUAGES = {"zh_Hans": "简体中文", "zh_Hant": "繁體中文", "en": "English"}
DEFAULT_TZ = "Asia/Shanghai"

babel = Babel()


def select_locale() -> str:
    if not has_request_context():  # the worker, the CLI: mails choose their locale explicitly
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    best = request.accept_languages.best_match(["zh-CN", "zh-Hans", "zh-TW", "zh-HK", "zh-Hant", "zh", "en"])
    if best in ("zh-TW", "zh-HK", "zh-Hant"):
        return "zh_Hant"
    if best == "en":
        return "en"
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    tenant = g.get("tenant") if g else None
    return tenant.timezone if tenant is not None else DEFAULT_TZ


def tenant_zone() -> ZoneInfo:
    return ZoneInfo(select_timezone())


def localtime(value: datetime.datetime | None, fmt: str = "%Y-%m-%d %H:%M", zone: str | None = None) -> str:
    """A stored UTC moment shown in the current tenant's time zone (or `zone`)."""
    if value is None:
        return ""
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()
    tz = ZoneInfo(zone) if zone else tenant_zone()
    return value.replace(tzinfo=datetime.UTC).astimezone(tz).strftime(fmt)


def init_app(app) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["get_locale"] = get_locale
    from .urls import external_url
    app.jinja_env.globals["external_url"] = external_url
    app.jinja_env.globals["html_lang"] = html_lang


def html_lang() -> str:
    return {"zh_Hans": "zh-Hans", "zh_Hant": "zh-Hant"}.get(str(get_locale()), "en")
