"""The tenant's revisit checklist template: created lazily with the defaults, edited by the tenant admin.

`template_for(tenant)` creates the tenant's template from DOMAIN.md §8 the first time anything needs
it (the revisit form, the settings page), inside the caller's transaction; so every tenant, old or
new, has one without a seeding step in tenancy. Edits never touch past revisits: each answer keeps a
copy of the question as it was asked (see `RevisitAnswer`).
"""
from peewee import IntegrityError

from .. import events
from ..db import atomic, now
from ..events import EventKind
from .models import ChecklistItem, ChecklistTemplate
from .rules import AnswerType, Item, Section, default_items

TEXT_MAX = 300


class StaleChecklist(Exception):
    """Someone else changed the checklist since the page was shown."""


class ChecklistError(ValueError):
    """An edit refused; `problems` maps a field to problem codes."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


def template_for(tenant) -> ChecklistTemplate:
    """The tenant's template, created with the defaults for its kind the first time it is needed."""
    found = ChecklistTemplate.select().where(ChecklistTemplate.tenant == tenant.id).first()
    if found is not None:
        return found
    try:
        with atomic():  # a savepoint: a concurrent first use wins, this one reads its result
            template = ChecklistTemplate.create(tenant=tenant.id)
            positions = {}
            for section, text, required, answer_type in default_items(tenant.kind):
                positions[section] = positions.get(section, 0) + 1
                ChecklistItem.create(tenant=tenant.id, template=template, section=section,
                                     position=positions[section], text=text, required=required,
                                     answer_type=answer_type)
            return template
    except IntegrityError:
        return ChecklistTemplate.select().where(ChecklistTemplate.tenant == tenant.id).get()


def items_of(template) -> list[ChecklistItem]:
    """The template's questions: the phone script first, then the checklist, each in order."""
    rows = ChecklistItem.select().where(ChecklistItem.template == template.id)
    order = {Section.SCRIPT: 0, Section.CHECKLIST: 1}
    return sorted(rows, key=lambda i: (order.get(i.section, 2), i.position, i.id))


def as_rule_items(items) -> list[Item]:
    return [Item(key=f"item_{i.id}", text=i.text, answer_type=i.answer_type, required=i.required,
                 section=i.section) for i in items]


def _check(section, text, answer_type) -> dict:
    problems = {}
    if section not in set(Section):
        problems["section"] = ["invalid_choice"]
    if not (text or "").strip():
        problems["text"] = ["required"]
    elif len(text.strip()) > TEXT_MAX:
        problems["text"] = ["too_long"]
    if answer_type not in set(AnswerType):
        problems["answer_type"] = ["invalid_choice"]
    return problems


def _snapshot(item) -> dict:
    return {"id": item.id, "section": item.section, "position": item.position, "text": item.text,
            "required": item.required, "answer_type": item.answer_type}


def _bump(template, expected_version: int) -> None:
    """Claim the next version of the template, or raise StaleChecklist if it moved on meanwhile."""
    updated = (ChecklistTemplate.update(version=ChecklistTemplate.version + 1, updated_at=now())
               .where((ChecklistTemplate.id == template.id) & (ChecklistTemplate.version == expected_version))
               .execute())
    if updated != 1:
        raise StaleChecklist()
    template.version = expected_version + 1


def _item(template, item_id) -> ChecklistItem:
    item = ChecklistItem.select().where((ChecklistItem.id == item_id) & (ChecklistItem.template == template.id)).first()
    if item is None:
        raise StaleChecklist()  # removed by someone else meanwhile
    return item


def _record(tenant, actor, change: str, before=None, after=None) -> None:
    events.record(EventKind.CHECKLIST_CHANGED, "checklist", None, actor, tenant=tenant.id, before=before,
                  after=after, data={"change": change})


def add_item(tenant, actor, section: str, text: str, required: bool, answer_type: str,
             expected_version: int) -> ChecklistItem:
    """Append a question to the end of its section."""
    problems = _check(section, text, answer_type)
    if problems:
        raise ChecklistError(problems)
    with atomic():
        template = template_for(tenant)
        _bump(template, expected_version)
        last = (ChecklistItem.select(ChecklistItem.position)
                .where((ChecklistItem.template == template.id) & (ChecklistItem.section == section))
                .order_by(ChecklistItem.position.desc()).limit(1).scalar()) or 0
        item = ChecklistItem.create(tenant=tenant.id, template=template, section=section, position=last + 1,
                                    text=text.strip(), required=bool(required), answer_type=answer_type)
        _record(tenant, actor, "added", after=_snapshot(item))
    return item


def edit_item(tenant, actor, item_id: int, text: str, required: bool, answer_type: str,
              expected_version: int) -> ChecklistItem:
    """Change a question's words, whether it must be answered, or its kind of answer."""
    problems = _check(Section.CHECKLIST, text, answer_type)
    if problems:
        raise ChecklistError(problems)
    with atomic():
        template = template_for(tenant)
        _bump(template, expected_version)
        item = _item(template, item_id)
        before = _snapshot(item)
        ChecklistItem.update(text=text.strip(), required=bool(required), answer_type=answer_type).where(
            ChecklistItem.id == item.id).execute()
        item.text, item.required, item.answer_type = text.strip(), bool(required), answer_type
        _record(tenant, actor, "edited", before=before, after=_snapshot(item))
    return item


def move_item(tenant, actor, item_id: int, direction: str, expected_version: int) -> None:
    """Swap a question with its neighbour above ("up") or below ("down") in its section."""
    if direction not in ("up", "down"):
        raise ChecklistError({"direction": ["invalid_choice"]})
    with atomic():
        template = template_for(tenant)
        _bump(template, expected_version)
        item = _item(template, item_id)
        siblings = [i for i in items_of(template) if i.section == item.section]
        index = next(n for n, i in enumerate(siblings) if i.id == item.id)
        other = index - 1 if direction == "up" else index + 1
        if not 0 <= other < len(siblings):
            return  # already first / last: nothing to do, but the version moved on like any save
        siblings[index], siblings[other] = siblings[other], siblings[index]
        _renumber(siblings)
        _record(tenant, actor, "moved", before={"position": index + 1, "id": item.id},
                after={"position": other + 1, "id": item.id})


def remove_item(tenant, actor, item_id: int, expected_version: int) -> None:
    """Remove a question; revisits that asked it keep their copy of it."""
    with atomic():
        template = template_for(tenant)
        _bump(template, expected_version)
        item = _item(template, item_id)
        before = _snapshot(item)
        item.delete_instance()
        _renumber([i for i in items_of(template) if i.section == item.section])
        _record(tenant, actor, "removed", before=before)


def _renumber(items) -> None:
    for position, item in enumerate(items, start=1):
        if item.position != position:
            ChecklistItem.update(position=position).where(ChecklistItem.id == item.id).execute()
            item.position = position
