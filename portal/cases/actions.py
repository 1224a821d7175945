"""Case library verbs: write up a case from a complaint, edit it, share it, feature it (HQ)."""
from .. import events
from ..db import atomic, now
from ..events import EventKind
from ..sla import clocks
from ..sla.models import DeadlineKind
from ..tenancy.models import Category
from . import queries, rules
from .models import Case, CaseGram

FIELDS = ("title", *rules.SECTIONS, "grade", "tags")


class CaseError(ValueError):
    """A case refused; `problems` maps a field (or "__all__") to a message id."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


class StaleCase(Exception):
    """Someone else edited the case since the form was shown."""

    def __init__(self, current: Case):
        super().__init__("stale")
        self.current = current


def _clean(data: dict, known: dict) -> dict:
    """The case's fields with the customer's personal data masked, and its search text."""
    values = {k: rules.scrub(data.get(k) or "", **known) if k in ("title", *rules.SECTIONS) else data.get(k)
              for k in FIELDS}
    values["title"] = values["title"].strip()[:200]
    values["tags"] = rules.parse_tags(data.get("tags", ""))
    category = data.get("category")
    values["category"] = getattr(category, "id", category) or None
    name = getattr(category, "name", "") or ""
    values["search_text"] = rules.normalise(" ".join([values["title"], *(values[s] for s in rules.SECTIONS),
                                                      values["tags"], name]))
    return values


def _index(case_id: int, tenant_id: int, text: str) -> None:
    """Keep the case's bigrams in step with its text (the search index)."""
    CaseGram.delete().where(CaseGram.case == case_id).execute()
    rows = [{"tenant": tenant_id, "case": case_id, "gram": g} for g in sorted(rules.grams(text))]
    for start in range(0, len(rows), 500):
        CaseGram.insert_many(rows[start:start + 500]).execute()


def create(tenant, actor, complaint, data: dict) -> Case:
    """Write up a case from a complaint; a crisis's case write-up deadline is met by it."""
    with atomic():
        if not queries.can_write_up(complaint):
            raise CaseError({"__all__": "not_closed"})
        if queries.case_of(complaint) is not None:
            raise CaseError({"__all__": "already_written"})
        values = _clean(data, queries.identifiers(complaint))
        case = Case.create(tenant=tenant, complaint=complaint, created_by=actor, **values)
        _index(case.id, case.tenant_id, values["search_text"])
        events.record(EventKind.CASE_SAVED, "case", case.id, actor, tenant=tenant,
                      data={"complaint": complaint.id, "number": complaint.number, "title": case.title})
        if complaint.crisis:
            clocks.meet(complaint, [DeadlineKind.CASE_WRITEUP])
    return case


def update(case: Case, actor, data: dict, expected_version: int) -> Case:
    """Edit a case (refused when someone else saved it meanwhile)."""
    with atomic():
        known = queries.identifiers(case.complaint) if case.complaint_id else {}
        values = _clean(data, known)
        updated = (Case.update(**values, updated_at=now(), version=Case.version + 1)
                   .where((Case.id == case.id) & (Case.version == expected_version)).execute())
        if updated != 1:
            raise StaleCase(Case.get_by_id(case.id))
        _index(case.id, case.tenant_id, values["search_text"])
        events.record(EventKind.CASE_SAVED, "case", case.id, actor, tenant=case.tenant_id,
                      data={"title": values["title"], "edited": True})
    return Case.get_by_id(case.id)


def share(case: Case, actor, shared: bool) -> None:
    """Let the network's other tenants and HQ read the case (or take it back; HQ's feature goes too)."""
    with atomic():
        changes = {"shared": shared} if shared else {"shared": False, "featured": False, "featured_by": None}
        Case.update(**changes, version=Case.version + 1).where(Case.id == case.id).execute()
        events.record(EventKind.CASE_SHARED, "case", case.id, actor, tenant=case.tenant_id, data={"shared": shared})


def feature(case: Case, actor, featured: bool) -> None:
    """HQ recommends a shared case to the whole network (listed first), or stops doing so."""
    if featured and not case.shared:
        raise CaseError({"__all__": "not_shared"})
    with atomic():
        Case.update(featured=featured, featured_by=actor.id if featured else None,
                    version=Case.version + 1).where(Case.id == case.id).execute()
        events.record(EventKind.CASE_FEATURED, "case", case.id, actor, tenant=case.tenant_id,
                      data={"featured": featured})


def forget_customer(complaint_ids, scrub) -> list[int]:
    """Erasure (PIPL): the cases written up from these complaints stay as anonymised case studies, their
    texts passed through `scrub` (the customer's identifiers out), and search no longer finds the customer.
    Call inside the erasure's transaction; returns the cases' ids."""
    changed = []
    for case in Case.select().where(Case.complaint.in_(list(complaint_ids) or [0])):
        data = {k: scrub(getattr(case, k)) for k in ("title", *rules.SECTIONS, "tags")}
        data.update(grade=case.grade, category=Category.get_or_none(Category.id == case.category_id))
        values = _clean(data, {})
        Case.update(**values, version=Case.version + 1).where(Case.id == case.id).execute()
        _index(case.id, case.tenant_id, values["search_text"])
        changed.append(case.id)
    return changed
