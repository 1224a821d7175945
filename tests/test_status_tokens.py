"""Status-link tokens and link rules, without a database."""
import datetime

import pytest
from hypothesis import given, strategies as st

from portal.sla.calendar import BusinessCalendar
from portal.status import rules, tokens

KEY = tokens.link_key("test-secret")


def test_a_token_names_its_complaint_and_carries_128_bits_of_mac():
    token = tokens.make(KEY, 42, 1)
    assert len(token) == tokens.TOKEN_LENGTH and tokens.MAC_BYTES * 8 >= 128
    assert tokens.complaint_id(token) == 42
    assert tokens.matches(KEY, token, 42, 1)


def test_raising_the_link_version_revokes_every_earlier_token():
    old = tokens.make(KEY, 42, 1)
    assert not tokens.matches(KEY, old, 42, 2)
    assert tokens.matches(KEY, tokens.make(KEY, 42, 2), 42, 2)
    assert tokens.make(KEY, 42, 2) != old


def test_a_token_is_worthless_under_another_secret_or_for_another_complaint():
    token = tokens.make(KEY, 42, 1)
    assert not tokens.matches(tokens.link_key("another-secret"), token, 42, 1)
    assert not tokens.matches(KEY, token, 43, 1)
    assert tokens.link_key("test-secret") != b"test-secret"  # derived, not the session secret itself


@given(st.text(max_size=40))
def test_anything_that_is_not_a_token_names_no_complaint_and_matches_nothing(text):
    cid = tokens.complaint_id(text)
    if cid:  # a well-formed string that happens to decode: it still needs the right MAC
        assert not tokens.matches(KEY, text, cid, 1) or text == tokens.make(KEY, cid, 1)
    else:
        assert not tokens.matches(KEY, text, 0, 0)


@given(st.integers(min_value=1, max_value=2**63 - 1), st.integers(min_value=1, max_value=10**6))
def test_tokens_round_trip_for_any_complaint_and_version(cid, version):
    token = tokens.make(KEY, cid, version)
    assert tokens.complaint_id(token) == cid and tokens.matches(KEY, token, cid, version)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


CLOSED = datetime.datetime(2025, 1, 10, 8, 0)


@pytest.mark.parametrize("closed_at, days, at, expired", [
    (None, 180, datetime.datetime(2040, 1, 1), False),  # open complaints never expire
    (CLOSED, 180, CLOSED + datetime.timedelta(days=179), False),
    (CLOSED, 180, CLOSED + datetime.timedelta(days=180), True),
    (CLOSED, 0, CLOSED, True),
])
def test_the_link_expires_the_tenants_number_of_days_after_closing(closed_at, days, at, expired):
    assert rules.is_expired(closed_at, days, at) is expired


CAL = BusinessCalendar(region=None)  # Monday to Friday, Asia/Shanghai


@pytest.mark.parametrize("local, day", [
    ("2025-03-05 10:00", "2025-03-05"),  # a Wednesday counts for itself
    ("2025-03-05 23:30", "2025-03-05"),
    ("2025-03-08 10:00", "2025-03-10"),  # Saturday and Sunday count for Monday
    ("2025-03-09 22:00", "2025-03-10"),
])
def test_an_urge_counts_for_today_or_the_next_working_day(local, day):
    moment = datetime.datetime.fromisoformat(local) - datetime.timedelta(hours=8)  # Shanghai is UTC+8
    assert rules.urge_day(CAL, moment).isoformat() == day


def test_urging_is_for_open_complaints_not_waiting_for_the_customers_answer():
    assert rules.can_urge("transferred") and rules.can_urge("received")
    assert not rules.can_urge("plan_proposed") and not rules.can_urge("revisit_pending")
    assert not rules.can_urge("closed")


@pytest.mark.parametrize("address, key", [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),  # a phone may take any address of its /64
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    (None, "unknown"),
])
def test_guesses_count_per_ipv4_address_or_ipv6_block(address, key):
    assert rules.client_key(address) == key
