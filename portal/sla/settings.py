"""A tenant's settings: built-in defaults ← its network's defaults ← its own overrides."""
import copy
import datetime
import json

from .. import events
from ..db import atomic
from ..events import EventKind
from .calendar import BusinessCalendar
from .models import NetworkSetting, TenantSetting

DEFAULTS = {
    "deadlines": {
        "handover_hours": 1, "reply_days": 5, "plan_days": 3, "revisit_days": 5, "revisit_crisis_days": 2,
        "completion_days": 20, "crisis_plan_hours": 24, "crisis_contact_hours": 12, "crisis_adjust_hours": 1,
        "case_writeup_days": 7, "warn_hours": 4, "pause_allowed": True,
    },
    "calendar": {
        "region": "CN", "work_start": "09:00", "work_end": "18:00", "lunch_start": None, "lunch_end": None,
        "weekdays": [0, 1, 2, 3, 4], "extra_closed": [], "extra_working": [],
    },
}


class StaleSettings(Exception):
    """Someone else saved these settings since the form was shown."""


def register_defaults(key: str, value: dict) -> None:
    """Other areas declare their settings group and its defaults (e.g. escalation thresholds)."""
    DEFAULTS[key] = value


def _merge(base: dict, *layers) -> dict:
    merged = copy.deepcopy(base)
    for layer in layers:
        merged.update({k: v for k, v in (layer or {}).items() if k in base})
    return merged


def load(tenant, key: str, fresh: bool = False) -> dict:
    """The effective settings of one group for a tenant (every group read at once, once per request).

    `fresh` reads every group again even when this request already did (two queries, whatever came
    before), for a check whose every outcome must cost the same (the status link); later loads in the
    request use what it read.
    """
    cache = _request_cache()
    if cache is None:
        return explain(tenant, key)[0]
    if fresh:
        for cached in [k for k in cache if k[0] == tenant.id or k == ("stored", tenant.id)]:
            del cache[cached]
    if (tenant.id, key) not in cache:
        net, own = _stored(tenant, cache)
        cache[(tenant.id, key)] = _merge(DEFAULTS[key], net.get(key), own.get(key))
    return copy.deepcopy(cache[(tenant.id, key)])


def _stored(tenant, cache: dict) -> tuple[dict, dict]:
    """Every group the tenant's network and the tenant store (group -> values), in two queries per request."""
    if ("stored", tenant.id) not in cache:
        net = NetworkSetting.select().where(NetworkSetting.network == tenant.network_id)
        own = TenantSetting.select().where(TenantSetting.tenant == tenant.id)
        cache[("stored", tenant.id)] = ({row.key: json.loads(row.value) for row in net},
                                        {row.key: json.loads(row.value) for row in own})
    return cache[("stored", tenant.id)]


def _request_cache():
    """A dict living as long as the current request (None outside one: jobs read fresh values)."""
    from flask import g, has_request_context
    if not has_request_context():
        return None
    if "_settings_cache" not in g or g.get("_settings_request") is not _request_id():
        g._settings_cache, g._settings_request = {}, _request_id()
    return g._settings_cache


def _request_id():
    from flask import request
    return request._get_current_object()


def explain(tenant, key: str) -> tuple[dict, dict, int]:
    """(effective values, where each comes from: default|network|tenant, tenant row version)."""
    net = NetworkSetting.get_or_none((NetworkSetting.network == tenant.network_id) & (NetworkSetting.key == key))
    own = TenantSetting.select().where((TenantSetting.tenant == tenant.id) & (TenantSetting.key == key)).first()
    net_values = json.loads(net.value) if net else {}
    own_values = json.loads(own.value) if own else {}
    values = _merge(DEFAULTS[key], net_values, own_values)
    sources = {k: "tenant" if k in own_values else "network" if k in net_values else "default" for k in values}
    return values, sources, own.version if own else 0


def save(tenant, key: str, values: dict, actor, expected_version: int) -> dict:
    """Store a tenant's overrides for one group (only keys that differ from what it inherits)."""
    with atomic():
        before, _, version = explain(tenant, key)
        if version != expected_version:
            raise StaleSettings()
        inherited = _merge(DEFAULTS[key], _network_values(tenant, key))
        own = {k: v for k, v in values.items() if k in DEFAULTS[key] and v != inherited.get(k)}
        row = TenantSetting.select().where((TenantSetting.tenant == tenant.id) & (TenantSetting.key == key)).first()
        if row is None:
            TenantSetting.create(tenant=tenant, key=key, value=json.dumps(own, ensure_ascii=False))
        else:
            TenantSetting.update(value=json.dumps(own, ensure_ascii=False), version=TenantSetting.version + 1).where(
                TenantSetting.id == row.id).execute()
        after = _merge(inherited, own)
        events.record(EventKind.SETTINGS_CHANGED, "settings", None, actor, tenant=tenant,
                      before=before, after=after, data={"group": key})
        cache = _request_cache()
        if cache is not None:
            cache.pop((tenant.id, key), None)
            cache.pop(("stored", tenant.id), None)
    return after


def _network_values(tenant, key):
    net = NetworkSetting.get_or_none((NetworkSetting.network == tenant.network_id) & (NetworkSetting.key == key))
    return json.loads(net.value) if net else {}


def _time(text):
    return datetime.time.fromisoformat(text) if text else None


def calendar_from(values: dict, timezone: str) -> BusinessCalendar:
    """The business calendar described by a tenant's calendar settings."""
    return BusinessCalendar(
        timezone=timezone, region=values.get("region") or None, work_start=_time(values["work_start"]),
        work_end=_time(values["work_end"]), lunch_start=_time(values.get("lunch_start")),
        lunch_end=_time(values.get("lunch_end")), weekdays=frozenset(values["weekdays"]),
        extra_closed=frozenset(datetime.date.fromisoformat(d) for d in values["extra_closed"]),
        extra_working=frozenset(datetime.date.fromisoformat(d) for d in values["extra_working"]))


def calendar_for(tenant) -> BusinessCalendar:
    return calendar_from(load(tenant, "calendar"), tenant.timezone)
