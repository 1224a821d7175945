"""Big monthly exports, prepared by the worker: the manager asks, the page says "being prepared", then links the file.

A month with more than BACKGROUND_ROWS register entries takes seconds of CPU to write as XLSX (about 17 s for
100k), longer than a browser or a proxy should wait. Such an export is a job kept as two files in the tenant's
folder `<UPLOAD_DIR>/exports/<tenant id>/`, outside the web root: `<token>.json` (who asked, the month, the
status, when) and, once done, `<token>.xlsx`. The random token names the job in its URL; the views load it
only inside the current tenant's folder, behind the report permission. One job per tenant, month and kind
runs at a time (a `<kind>-<month>.lock` file, made with O_EXCL, names it). The minute's round deletes jobs
after KEEP, a customer's erasure at once (`forget`); exports are reads, so no event is written (as for the
direct downloads).
"""
import json
import logging
import os
import secrets
import tempfile
import time
from datetime import UTC, datetime, timedelta

from flask import current_app

from .. import jobs, scope
from ..db import now
from . import actions, documents, exports
from .rules import Period

log = logging.getLogger(__name__)

BACKGROUND_ROWS = 20_000  # a month with more register entries is exported by the worker
KEEP = timedelta(hours=24)  # a finished (or failed) export is deleted after this long
STUCK = timedelta(hours=1)  # a job still queued after this long no longer blocks a new one (its worker died)
TASK = "kesu.export_report"
KIND = "monthly.xlsx"
QUEUED, DONE, FAILED = "queued", "done", "failed"


def is_large(doc: dict) -> bool:
    """True when the month's export is left to the worker (decided on the report's register count)."""
    return doc["figures"]["register"] > BACKGROUND_ROWS


def folder(tenant_id: int) -> str:
    return os.path.join(current_app.config["UPLOAD_DIR"], "exports", str(int(tenant_id)))


def _path(tenant_id: int, name: str) -> str:
    return os.path.join(folder(tenant_id), name)


def _write_json(tenant_id: int, job: dict) -> None:
    """Replace the job's record in one step, so a reader never sees half of it."""
    fd, tmp = tempfile.mkstemp(dir=folder(tenant_id), suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        json.dump(job, out)
    os.replace(tmp, _path(tenant_id, job["token"] + ".json"))


def load(tenant_id: int, token: str, at: datetime | None = None) -> dict | None:
    """The tenant's job named by `token`, None when there is none (or it expired): the token is looked up only
    in this tenant's folder."""
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 64:
        return None
    try:
        with open(_path(tenant_id, token + ".json")) as f:
            job = json.load(f)
    except (OSError, ValueError):
        return None
    if job.get("tenant_id") != tenant_id or expired(job, at or now()):
        return None
    return job


def expired(job: dict, at: datetime) -> bool:
    return datetime.fromisoformat(job["created"]) + KEEP <= at


def file_path(job: dict) -> str:
    return _path(job["tenant_id"], job["token"] + ".xlsx")


def start(tenant, user, period: Period) -> dict:
    """Queue the month's XLSX for the worker, or return the job already under way for the same month."""
    os.makedirs(folder(tenant.id), exist_ok=True)
    lock = _path(tenant.id, f"{KIND}-{period.label}.lock")
    for _attempt in range(3):
        running = _running(tenant.id, lock)
        if running is not None:
            return running
        job = {"token": secrets.token_urlsafe(18), "tenant_id": tenant.id, "user_id": user.id, "kind": KIND,
               "month": period.label, "status": QUEUED, "created": now().isoformat(), "finished": None}
        _write_json(tenant.id, job)
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # someone else asked for the same month at the same moment: theirs it is
            os.remove(_path(tenant.id, job["token"] + ".json"))
            continue
        with os.fdopen(fd, "w") as out:
            out.write(job["token"])
        jobs.later(TASK, tenant.id, job["token"])
        return job
    raise RuntimeError("export lock keeps changing")


def _running(tenant_id: int, lock: str) -> dict | None:
    """The queued job the lock names; a lock naming no queued job (or one stuck too long) is removed."""
    try:
        with open(lock) as f:
            token = f.read().strip()
    except FileNotFoundError:
        return None
    job = load(tenant_id, token) if token else None
    if job is not None and job["status"] == QUEUED and datetime.fromisoformat(job["created"]) + STUCK > now():
        return job
    if token or _mtime(lock) < time.time() - 60:  # an empty lock is one being written this instant
        _remove(lock)
    return None


def run(tenant_id: int, token: str) -> None:
    """The worker's part: write the XLSX beside the job's record, then mark it done (or failed)."""
    from ..tenancy.models import Tenant
    with scope.scoped(scope.SYSTEM):
        tenant = Tenant.get_or_none(Tenant.id == tenant_id)
    job = load(tenant_id, token) if tenant is not None else None
    if job is None or job["status"] != QUEUED:
        return
    target, part = file_path(job), file_path(job) + ".part"
    try:
        with scope.scoped(scope.for_tenant(tenant)), open(part, "wb") as out:
            period = Period.parse(job["month"])
            _report, doc = actions.document(tenant, "monthly", period.label)
            exports.xlsx(doc, documents.export_rows(tenant, period), tenant.timezone, out)
        if load(tenant_id, token) is None:  # forgotten meanwhile (an erasure): the file must not appear
            _remove(part)
            return
        os.replace(part, target)
        job["status"] = DONE
    except Exception:
        log.exception("export %s of tenant %s failed", token, tenant_id)
        _remove(part)
        job["status"] = FAILED
    job["finished"] = now().isoformat()
    _write_json(tenant_id, job)
    _remove(_path(tenant_id, f"{job['kind']}-{job['month']}.lock"))


def forget(tenant_id: int) -> int:
    """Delete every export of the tenant, ready or under way (a customer's erasure: the files hold what was
    said about them); returns how many files went."""
    here = folder(tenant_id)
    return sum(_remove(os.path.join(here, name)) for name in _listdir(here))


def sweep(app) -> dict:
    """The minute's round: delete the jobs older than KEEP, and leftovers (files without a record) as old."""
    root = os.path.join(app.config["UPLOAD_DIR"], "exports")
    at, removed = now(), 0
    cutoff = (at - KEEP).replace(tzinfo=UTC).timestamp()
    for tenant_dir in _listdir(root):
        here = os.path.join(root, tenant_dir)
        for name in _listdir(here):
            path = os.path.join(here, name)
            if name.endswith(".json"):
                try:
                    with open(path) as f:
                        old = expired(json.load(f), at)
                except (OSError, ValueError, KeyError):
                    old = _mtime(path) < cutoff
                if old:
                    _remove(path[:-len(".json")] + ".xlsx")
                    removed += _remove(path)
            elif _mtime(path) < cutoff and not os.path.exists(os.path.join(here, name.split(".")[0] + ".json")):
                removed += _remove(path)  # a file, part or lock whose record is gone
    return {"removed": removed}


def _listdir(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except FileNotFoundError:
        return []


def _mtime(path: str) -> float:
    try:
        return os.path.getmtime(path)
    except FileNotFoundError:
        return float("inf")


def _remove(path: str) -> int:
    try:
        os.remove(path)
        return 1
    except FileNotFoundError:
        return 0


jobs.PERIODIC["exports"] = sweep
