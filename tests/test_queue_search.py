"""The queue's search box: a phone number or a complaint number is looked up through an index; anything
else searches the number, customer name, phone, description and plate as before."""
import re

import pytest

from portal.complaints import actions
from portal.complaints.rules import Move
from tests import factories as f
from tests.test_query_counts import statements_of

BASE = "/t/dealer-sh01/complaints"
HX = {"HX-Request": "true"}


@pytest.fixture
def register(app, in_tenant):
    """Three customers' complaints; one mentions another customer's number in its text."""
    with in_tenant("dealer-sh01"):
        wang = [f.complaint(phone="13912345678", description="刹车异响"),
                f.complaint(phone="13912345678", description="刹车异响，第二次")]
        li = f.complaint(phone="13987654321", description="客户说 13912345678 是他朋友的电话")
        zhao = f.complaint(phone="13600001111", description="洗车划伤，联系 021-55550000")
        return {"wang": wang, "li": li, "zhao": zhao}


def found(client, q: str, **filters) -> set[str]:
    query = "&".join(f"{k}={v}" for k, v in {"q": q, **filters}.items())
    html = client.get(f"{BASE}/?{query}", headers=HX).get_data(as_text=True)
    return set(re.findall(r"SH01-\d{6}-\d{4}", html))


@pytest.mark.parametrize("typed", ["13912345678", "139 1234 5678", "139-1234-5678", "1391234"])
def test_a_phone_number_lists_that_customers_complaints(client, login, register, typed):
    login("cs@dealer-sh01.demo")
    assert found(client, typed) == {c.number for c in register["wang"]}


def test_a_phone_number_is_looked_up_through_the_index_not_by_reading_every_complaint(client, login, register):
    login("cs@dealer-sh01.demo")
    statements = statements_of(client, f"{BASE}/?q=13912345678", headers=HX)
    assert not [s for s in statements if " LIKE " in s.upper()], statements


@pytest.mark.parametrize("case", [str, str.lower])
def test_a_complaint_number_finds_that_complaint(client, login, register, case):
    login("cs@dealer-sh01.demo")
    assert found(client, case(register["li"].number)) == {register["li"].number}


def test_a_number_no_customer_has_is_still_found_in_the_text(client, login, register):
    login("cs@dealer-sh01.demo")
    assert found(client, "021-55550000") == {register["zhao"].number}


def test_the_last_digits_of_a_phone_still_search_every_customers_number(client, login, register):
    login("cs@dealer-sh01.demo")
    assert found(client, "5678") == {c.number for c in register["wang"]} | {register["li"].number}


def test_other_filters_still_apply_to_a_phone_search(client, login, app, in_tenant, register):
    from portal.complaints.models import Complaint
    with in_tenant("dealer-sh01") as tenant:
        gm = f.user("gm@dealer-sh01.demo")
        started = Complaint.get_by_id(register["wang"][0].id)
        actions.move(started, Move.START_INVESTIGATION, gm, actions.permissions_of(gm, tenant), {})
    login("cs@dealer-sh01.demo")
    assert found(client, "13912345678", status="investigating") == {started.number}
    assert found(client, "13912345678", status="received") == {register["wang"][1].number}
