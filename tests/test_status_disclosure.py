"""Nothing internal reaches the customer: a property over random histories, and every page state.

Internal notes, findings, cause analyses, transfer instructions, implementation summaries, pause
notes, staff names and register fields carry a marker; the customer's projection and the rendered
page must never contain it, whatever happened to the complaint and in whatever order.
"""
import datetime
import io
import json
import uuid
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from werkzeug.datastructures import FileStorage

from portal.complaints import actions
from portal.complaints.disclosure import public_timeline
from portal.complaints.models import Complaint
from portal.complaints.rules import CUSTOMER_LABELS, TRANSITIONS, Move, Status
from portal.events import EventKind
from portal.sla import clocks
from portal.sla import settings as tenant_settings
from portal.status import actions as status_actions
from portal.status import links
from portal.tenancy.models import Department
from tests import factories as f

MARK = "机密MARK7"
STAFF = ["cs@dealer-sh01.demo", "gm@dealer-sh01.demo", "advisor@dealer-sh01.demo", "manager@dealer-sh01.demo"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


# --- the projection, without a database -----------------------------------------------------------

@dataclass
class FakeEvent:
    kind: str
    public: bool
    data: dict | None = None
    after: dict | None = None
    actor_id: int | None = 7
    actor_label: str = f"王{MARK}"
    at: datetime.datetime = field(default_factory=lambda: datetime.datetime(2025, 3, 3, 9))

    def loaded(self, name):
        value = getattr(self, name)
        return json.loads(json.dumps(value)) if value is not None else None


_INTERNAL_FIELDS = ["findings", "instructions", "cause", "summary", "opinion", "comment", "reason", "answer",
                    "note", "department", "assignee", "grade", "explanation", "other", "body_internal"]
_clean = st.text(alphabet="的客户方案处理中abc ", min_size=1, max_size=12)


def _marked(extra: dict) -> dict:
    return {**{name: f"{name}:{MARK}" for name in _INTERNAL_FIELDS}, **extra}


@st.composite
def fake_events(draw):
    kind = draw(st.sampled_from(["internal_note", "public_note", "moved", "pause", "attachment", "any"]))
    if kind == "internal_note":
        return FakeEvent("note.added", False, _marked({"body": f"内部 {MARK}"}))
    if kind == "public_note":
        return FakeEvent("note.added", True, _marked({"body": draw(_clean)}))
    if kind == "moved":
        status = draw(st.sampled_from(list(Status)))
        return FakeEvent("complaint.moved", True, _marked({"move": draw(st.sampled_from(list(Move))),
                                                          "solution": draw(_clean)}),
                         after={"status": status, "assignee": MARK, "grade": MARK})
    if kind == "pause":
        reason = draw(st.sampled_from(["customer", "parts", "outside", "internal"]))
        return FakeEvent("clock.paused", reason != "internal", _marked({"reason": reason}))
    if kind == "attachment":
        public = draw(st.booleans())
        return FakeEvent("attachment.added", public, _marked({"filename": draw(_clean) if public else MARK}))
    # Any other kind, public or not, with nothing but internal text in it.
    other = draw(st.sampled_from([k for k in EventKind if k not in ("note.added", "attachment.added")]))
    return FakeEvent(str(other), draw(st.booleans()), _marked({"body": MARK, "filename": MARK, "solution": MARK,
                                                               "into_number": MARK if other != "complaint.merged"
                                                               else "SH01-1"}),
                     after={"status": MARK})


@settings(max_examples=300, deadline=None)
@given(st.lists(fake_events(), max_size=25))
def test_no_internal_text_or_staff_name_reaches_the_customers_projection(history):
    projection = public_timeline(history)
    assert MARK not in repr(projection)


@settings(max_examples=200, deadline=None)
@given(st.lists(fake_events(), max_size=25))
def test_staff_names_appear_only_when_the_tenant_allows_and_nothing_else_internal(history):
    projection = public_timeline(history, staff_names=True)
    for entry in projection:
        assert MARK not in repr({k: v for k, v in entry.items() if k != "by"})


# --- real histories, rendered --------------------------------------------------------------------

def _perms(tenant):
    gm = f.user("gm@dealer-sh01.demo")
    return gm, actions.permissions_of(gm, tenant)


def _next_step(c, agreed: bool, satisfied: bool):
    """The next move on the complaint's way, with internal text marked and public text clean."""
    data = {Move.START_INVESTIGATION: {},
            Move.TRANSFER: {"findings": f"调查 {MARK}", "instructions": f"指示 {MARK}",
                            "department": Department.select().first()},
            Move.PROPOSE_PLAN: {"cause": f"原因 {MARK}", "solution": "免费更换并致歉"},
            Move.CUSTOMER_RESPONSE: {"agreed": agreed, "opinion": f"意见 {MARK}"},
            Move.IMPLEMENT: {"summary": f"实施 {MARK}"},
            Move.REVISIT: {"satisfaction": "satisfied" if satisfied else "dissatisfied", "comment": f"回访 {MARK}"},
            Move.REOPEN: {"reason": f"重开 {MARK}"}}
    for move, values in data.items():
        if c.status in TRANSITIONS[move].sources and c.kind in TRANSITIONS[move].kinds:
            return move, values
    return None, None


def _apply(op, c, tenant, app):
    gm, perms = _perms(tenant)
    name, flag = op
    if name == "step":
        move, data = _next_step(c, agreed=flag, satisfied=flag)
        if move:
            actions.move(c, move, gm, perms, data)
    elif name == "internal_note":
        actions.add_note(c, gm, f"内部备注 {MARK}")
    elif name == "public_note":
        actions.add_note(c, gm, "已为您联系配件中心", public=True)
    elif name == "assign":
        actions.assign(c, gm, assignee=f.user("advisor@dealer-sh01.demo"))
    elif name == "pause" and c.is_open:
        if c.paused_since is None:
            clocks.pause(c, "internal" if flag else "parts", f"暂停 {MARK}", gm)
        else:
            clocks.resume(c, gm)
    elif name == "staff_file":
        from portal.complaints.files import save_uploads
        save_uploads(c, [FileStorage(io.BytesIO(PNG), filename=f"{MARK}.png")], gm)
    elif name == "customer_info" and c.is_open:
        status_actions.add_info(c, uuid.uuid4().hex, "补充说明", [])
    elif name == "urge" and c.is_open:
        try:
            status_actions.urge(c)
        except (status_actions.AlreadyUrged, ValueError):
            pass
    return Complaint.get_by_id(c.id)


OPS = st.tuples(st.sampled_from(["step", "step", "step", "internal_note", "public_note", "assign", "pause",
                                 "staff_file", "customer_info", "urge"]), st.booleans())


def _forbidden():
    with_names = [f.user(email).name for email in STAFF]
    return [MARK] + with_names + [d.name for d in Department.select()]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(history=st.lists(OPS, min_size=1, max_size=14))
def test_random_histories_never_show_an_internal_note_or_field_on_the_customers_page(app, in_tenant, history):
    with in_tenant("dealer-sh01") as tenant:
        c = f.complaint(description=f"描述 {MARK}", customer_request=f"诉求 {MARK}", plate="沪A1MARK7")
        for op in history:
            c = _apply(op, c, tenant, app)
        path, forbidden = f.status_path(c), _forbidden() + ["沪A1MARK7"]
    html = app.test_client().get(path).get_data(as_text=True)
    assert "<h1" in html and c.number in html
    for text in forbidden:
        assert text not in html, (text, history)


# --- every page state -------------------------------------------------------------------------------

STATES = {  # name -> (how to get there, sections that must be on the page, sections that must not)
    "received": (None, ["urge", "info"], ["plan", "survey"]),
    "investigating": (Move.START_INVESTIGATION, ["urge", "info"], ["plan", "survey"]),
    "transferred": (Move.TRANSFER, ["urge", "info"], ["plan", "survey"]),
    "plan_proposed": (Move.PROPOSE_PLAN, ["plan", "info"], ["urge", "survey"]),
    "implementing": (Move.CUSTOMER_RESPONSE, ["urge", "info"], ["plan", "survey"]),
    "revisit_pending": (Move.IMPLEMENT, ["survey", "info"], ["plan", "urge"]),
    "closed": (Move.REVISIT, [], ["plan", "survey", "urge", "info"]),
    "closed_invalid": ("invalid", [], ["plan", "survey", "urge", "info"]),
    "answered": ("answered", [], ["plan", "survey", "urge", "info"]),
    "merged": ("merged", [], ["plan", "survey", "urge", "info"]),
    "returned": (Move.RETURN_TO_HQ, [], ["plan", "survey", "urge", "info"]),
    "redirected": (Move.REDIRECT, [], ["plan", "survey", "urge", "info"]),
    "paused": ("paused", ["urge", "info"], ["plan", "survey"]),
}


def _reach(state, tenant):
    how = STATES[state][0]
    gm, perms = _perms(tenant)
    if how == "answered":
        c = f.complaint(kind="inquiry", description=f"咨询 {MARK}")
        actions.move(c, Move.ANSWER, gm, perms, {"answer": f"答复 {MARK}"})
        return c
    c = f.complaint(description=f"描述 {MARK}")
    actions.add_note(c, gm, f"内部备注 {MARK}")
    if how == "invalid":
        f.advance(c, Move.START_INVESTIGATION)
        actions.move(c, Move.CLOSE_INVALID, gm, perms, {"findings": f"不成立 {MARK}", "opinion_told_via": "phone",
                                                       "customer_told": True})
    elif how == "merged":
        actions.merge(c, f.complaint(phone="13700000001"), gm)
    elif how == "paused":
        clocks.pause(c, "parts", f"等件 {MARK}", gm)
    elif how in (Move.RETURN_TO_HQ, Move.REDIRECT):  # as the work-order verbs take it (hq.actions)
        f.advance(c, Move.START_INVESTIGATION)
        actions.pass_on(c, how, gm, {"reason": f"退回 {MARK}", "to_tenant": "闵行店", "to_number": "SH02-1"})
    elif how:
        f.advance(c, how)
    return Complaint.get_by_id(c.id)


@pytest.mark.parametrize("state", list(STATES))
def test_every_customer_page_state_shows_its_controls_and_nothing_internal(app, client, in_tenant, state):
    with in_tenant("dealer-sh01") as tenant:
        c = _reach(state, tenant)
        path, forbidden = f.status_path(c), _forbidden()
    response = client.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'data-state="{CUSTOMER_LABELS[c.status]}"' in html
    _how, shown, hidden = STATES[state]
    for section in shown:
        assert f'id="{section}"' in html, section
    for section in hidden:
        assert f'id="{section}"' not in html, section
    for text in forbidden:
        assert text not in html, text


def test_staff_names_show_on_the_page_only_when_the_tenant_allows(app, client, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        c = f.advance(f.complaint(), Move.TRANSFER)
        path, gm = f.status_path(c), f.user_name("gm@dealer-sh01.demo")
    assert gm not in client.get(path).get_data(as_text=True)
    with in_tenant("dealer-sh01") as tenant:
        tenant_settings.save(tenant, "customer_link", {**links.link_settings(tenant), "show_staff_names": True},
                             f.user("admin@dealer-sh01.demo"), 0)
    html = client.get(path).get_data(as_text=True)
    assert gm in html and MARK not in html
