"""Support requests: at most six part lines with positive quantities, clocks paused while waiting, answers told."""
import pytest

from portal import scope
from portal.complaints.models import Complaint, Note
from portal.events import Event
from portal.notify.models import OutboxMessage
from portal.sla import settings
from portal.sla.models import Pause
from portal.supervision.models import EarlyWarning, SupervisionOrder
from portal.support import actions, queries, rules
from portal.support.models import PartLine, SupportRequest
from portal.tenancy.models import Network
from tests import factories as f
from tests.conftest import translated


def shown(app, msgid, **values) -> str:
    """A text as the pages render it: in the portal's default language (the demo users choose none)."""
    return translated(app, msgid, app.config["BABEL_DEFAULT_LOCALE"], **values)


def tr(msgid, **values) -> str:
    """A text as the demo users read it (the default language); needs only an app context, so a scope stays set."""
    from flask import current_app
    from flask_babel import force_locale, gettext
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return gettext(msgid, **values)


def sent(app, msgid, **values) -> set:
    """Who was mailed this subject, as the recipients' language renders it."""
    subject = tr(msgid, **values)
    return {m.recipient for m in OutboxMessage.select().where(OutboxMessage.subject == subject)}


def lines(n, quantity=1):
    return [{"part_name": f"前大灯总成{i}", "part_number": f"5G0941005{i}", "quantity": quantity} for i in range(n)]


def test_seven_lines_are_refused_with_a_clear_message(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        with pytest.raises(actions.SupportError) as err:
            actions.request(c, f.user("advisor@dealer-sh01.demo"), "parts", lines=lines(7))
        assert SupportRequest.select().count() == 0
    code, values = err.value.problems["lines"]
    assert (code, values) == ("too_many_lines", {"max": 6, "count": 7})
    from flask_babel import force_locale
    with app.test_request_context(), force_locale("en"):
        from portal.support.messages import problem_text
        assert problem_text(code, values) == ("A parts request has at most 6 lines; this one has 7. "
                                              "Send the rest in a second request.")


@pytest.mark.parametrize("quantity", [0, -1, None, 1.5, True])
def test_a_line_without_a_positive_whole_quantity_is_refused_naming_the_line(app, in_tenant, quantity):
    with in_tenant("dealer-sh01"):
        bad = lines(2) + [{"part_name": "鼓风机", "part_number": "1K1820015", "quantity": quantity}]
        with pytest.raises(actions.SupportError) as err:
            actions.request(f.complaint(), f.user("advisor@dealer-sh01.demo"), "parts", lines=bad)
    assert err.value.problems == {"lines-2-quantity": ("quantity_positive", {"line": 3})}


def test_six_lines_are_accepted_and_blank_rows_are_left_out(app, in_tenant):
    with in_tenant("dealer-sh01"):
        blank = {"part_name": "", "part_number": "", "quantity": None}
        row = actions.request(f.complaint(), f.user("advisor@dealer-sh01.demo"), "parts", lines=lines(6) + [blank])
        assert PartLine.select().where(PartLine.request == row.id).count() == 6


def test_line_rules_need_name_and_number():
    assert rules.line_problems([{"part_name": "雨刮", "part_number": " ", "quantity": 2}]) == {
        "lines-0-part_number": ("line_field_required", {"line": 1})}
    assert rules.line_problems([]) == {"lines": ("at_least_one_part", {})}
    assert rules.request_problems("technical", " ", []) == {"description": ("describe_the_problem", {})}


def test_a_parts_request_pauses_the_clocks_marks_outside_support_and_warns_the_chain(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        row = actions.request(c, f.user("advisor@dealer-sh01.demo"), "parts", lines=lines(1))
        c = Complaint.get_by_id(c.id)
        pause = Pause.get(Pause.complaint == c.id)
        paused_event = Event.get((Event.subject_id == c.id) & (Event.kind == "clock.paused"))
        warning = EarlyWarning.get(EarlyWarning.complaint == c.id)
        order = SupervisionOrder.get(SupervisionOrder.complaint == c.id)
    assert row.paused_clocks and c.paused_since is not None and pause.reason == "parts"
    assert paused_event.public  # the customer's page says it is waiting for a part
    assert c.outside_support and c.grade == "important"  # DOMAIN §2: handling needs outside support
    assert warning.flag == "missing_part" and order.trigger == "grade:important"


def test_no_pause_when_the_tenant_does_not_allow_it(app, in_tenant):
    with in_tenant("dealer-sh01") as tenant:
        settings.save(tenant, "deadlines", dict(settings.load(tenant, "deadlines"), pause_allowed=False),
                      f.user("admin@dealer-sh01.demo"), 0)
        c = f.complaint()
        row = actions.request(c, f.user("advisor@dealer-sh01.demo"), "technical", description="大灯闪烁，疑似线束问题")
        assert not row.paused_clocks and Complaint.get_by_id(c.id).paused_since is None


def test_the_answer_resumes_the_clocks_tells_the_handler_and_can_tell_the_customer(app, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
        advisor = f.user("advisor@dealer-sh01.demo")
        row = actions.request(c, advisor, "parts", lines=lines(1))
        actions.answer(row, f.user("manager@dealer-sh01.demo"), "配件已到店", tell_customer=True)
        c = Complaint.get_by_id(c.id)
        note = Note.get(Note.complaint == c.id)
        told = sent(app, "Complaint %(number)s: %(kind)s answered", number=c.number,
                    kind=tr("Parts centre"))
        answered = SupportRequest.get_by_id(row.id)
        with pytest.raises(actions.SupportError):
            actions.answer(answered, advisor, "again")
    assert c.paused_since is None and answered.status == "answered"
    assert note.public and told == {"advisor@dealer-sh01.demo"}


def test_headquarters_sees_and_answers_its_own_tenants_requests_only(app, in_tenant):
    with in_tenant("dealer-sh01"):
        row = actions.request(f.complaint(), f.user("advisor@dealer-sh01.demo"), "technical", description="异响")
    with in_tenant("prop-bj01"):
        actions.request(f.complaint("prop-bj01", plate=None), f.user("manager@prop-bj01.demo"), "technical",
                        description="电梯故障")
    with app.app_context(), scope.scoped(scope.for_network(Network.get(Network.slug == "svw"))):
        seen = queries.for_network()
        assert [r.id for r in seen] == [row.id]
        actions.answer(seen[0], f.user("hq@svw.demo"), "请检查发动机支架", by_hq=True)
        assert SupportRequest.get_by_id(row.id).answered_by_hq


# --- over HTTP ---------------------------------------------------------------------------------

def _form(n, quantity="1"):
    data = {"kind": "parts", "description": ""}
    for i in range(n):
        data.update({f"lines-{i}-part_name": f"零件{i}", f"lines-{i}-part_number": f"PN{i}",
                     f"lines-{i}-quantity": quantity})
    return data


def test_the_page_refuses_seven_lines_and_a_zero_quantity_with_clear_messages(app, client, login, in_tenant):
    with in_tenant("dealer-sh01"):
        c = f.complaint()
    login("advisor@dealer-sh01.demo")
    url = f"/t/dealer-sh01/support/complaints/{c.id}/requests"
    seven = client.post(url, data=_form(7))
    too_many = shown(app, "A parts request has at most %(max)d lines; this one has %(count)d. "
                                "Send the rest in a second request.", max=6, count=7)
    assert seven.status_code == 422 and too_many in seven.get_data(as_text=True)
    zero = client.post(url, data=_form(2, quantity="0"))
    positive = shown(app, "Line %(line)d: the quantity must be a whole number greater than 0.", line=1)
    assert zero.status_code == 422 and positive in zero.get_data(as_text=True)
    assert client.post(url, data=_form(2)).status_code == 303
    with in_tenant("dealer-sh01"):
        assert SupportRequest.select().count() == 1


def test_front_desk_staff_cannot_ask_for_support(app, client, login, in_tenant):
    from portal.tenancy.actions import add_member
    from portal.accounts.actions import create_user
    with in_tenant("dealer-sh01") as tenant:
        add_member(tenant, create_user("guard@dealer-sh01.demo", "门卫", password_hash="x"), "front_desk")
        c = f.complaint()
    from portal.accounts.actions import hash_password
    from portal.accounts.models import User
    User.update(password_hash=hash_password("kesu-demo", "scrypt:1024:8:1")).where(
        User.email == "guard@dealer-sh01.demo").execute()
    login("guard@dealer-sh01.demo")
    assert client.post(f"/t/dealer-sh01/support/complaints/{c.id}/requests", data=_form(1)).status_code == 403
