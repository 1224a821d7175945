"""The revisit rules without a database: answers, completeness, outcomes, giving up (DOMAIN.md §3, §5, §8)."""
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.revisits import rules
from portal.revisits.rules import AnswerType, Item, Outcome, Section

YES_NO = Item("item_1", "维修按时完工", AnswerType.YES_NO, True)
SCALE = Item("item_2", "您对服务人员是否满意？", AnswerType.SCALE, True, Section.SCRIPT)
TEXT = Item("item_3", "您有什么意见和建议？", AnswerType.TEXT, False, Section.SCRIPT)
ITEMS = [YES_NO, SCALE, TEXT]
FULL = {"item_1": "yes", "item_2": "4", "item_3": ""}


@pytest.mark.parametrize("kind, marker", [("dealer", "车辆"), ("property", "现场")])
def test_default_checklists_follow_domain_section_8_for_each_kind_of_tenant(kind, marker):
    items = rules.default_items(kind)
    script = [i for i in items if i[0] == Section.SCRIPT]
    checklist = [i for i in items if i[0] == Section.CHECKLIST]
    assert len(script) == 4 and len(checklist) == 8
    assert any(marker in text for _, text, _, _ in items)
    assert all(required and answer_type == AnswerType.YES_NO for _, _, required, answer_type in checklist)


@pytest.mark.parametrize("answer_type, raw, stored", [
    (AnswerType.YES_NO, "yes", "yes"), (AnswerType.YES_NO, " no ", "no"), (AnswerType.YES_NO, "", None),
    (AnswerType.SCALE, "1", "1"), (AnswerType.SCALE, "5", "5"), (AnswerType.SCALE, None, None),
    (AnswerType.TEXT, " 很好 ", "很好"), (AnswerType.TEXT, "  ", None),
])
def test_answers_are_stored_in_a_plain_form(answer_type, raw, stored):
    assert rules.parse_answer(answer_type, raw) == stored


@pytest.mark.parametrize("answer_type, raw", [(AnswerType.YES_NO, "maybe"), (AnswerType.SCALE, "0"),
                                              (AnswerType.SCALE, "6"), (AnswerType.SCALE, "x"),
                                              (AnswerType.TEXT, "字" * (rules.TEXT_MAX + 1))])
def test_answers_that_do_not_fit_the_question_are_refused(answer_type, raw):
    with pytest.raises(ValueError):
        rules.parse_answer(answer_type, raw)


def test_a_required_question_left_empty_is_named():
    values, problems = rules.check_answers(ITEMS, {"item_1": "", "item_2": "3"})
    assert problems == {"item_1": ["required"]}
    assert values["item_2"] == "3" and values["item_3"] is None


def test_an_optional_question_may_stay_empty():
    assert rules.check_answers(ITEMS, FULL)[1] == {}


def test_a_reached_customer_must_give_a_satisfaction_level():
    _, problems = rules.check_record(True, "", 1, "", ITEMS, FULL)
    assert problems == {"satisfaction": ["required"]}
    _, problems = rules.check_record(True, "happy", 1, "", ITEMS, FULL)
    assert problems == {"satisfaction": ["invalid_choice"]}


def test_an_unreachable_call_needs_no_answers():
    values, problems = rules.check_record(False, None, 2, "", ITEMS, {})
    assert problems == {} and values == {}


@pytest.mark.parametrize("attempts", [0, -1, rules.MAX_ATTEMPTS_PER_CALL + 1, None, True])
def test_the_number_of_calls_must_be_plausible(attempts):
    assert "attempts" in rules.check_record(False, None, attempts, "", ITEMS, {})[1]


@pytest.mark.parametrize("satisfaction, crisis, round_, expected", [
    ("very_satisfied", False, 1, Outcome.CLOSED),
    ("satisfied", False, 1, Outcome.CLOSED),
    ("neutral", False, 1, Outcome.REOPENED),
    ("dissatisfied", False, 1, Outcome.REOPENED),
    ("very_dissatisfied", False, 1, Outcome.REOPENED),
    ("satisfied", True, 1, Outcome.SECOND_REVISIT),
    ("satisfied", True, 2, Outcome.CLOSED),
    ("dissatisfied", True, 1, Outcome.REOPENED),
    ("neutral", True, 2, Outcome.REOPENED),
])
def test_satisfied_closes_otherwise_reopens_and_a_crisis_is_revisited_twice(satisfaction, crisis, round_, expected):
    assert rules.outcome(satisfaction, crisis, round_) == expected


@pytest.mark.parametrize("crisis, round_, satisfaction, allowed", [
    (False, 1, "satisfied", True), (True, 1, "satisfied", False), (True, 2, "satisfied", True),
    (True, 1, "dissatisfied", True), (True, None, "satisfied", True),
])
def test_a_crisis_complaint_may_close_only_at_its_second_revisit(crisis, round_, satisfaction, allowed):
    assert rules.may_close(crisis, round_, satisfaction) is allowed


@pytest.mark.parametrize("count, limit, expected", [(1, 3, False), (2, 3, False), (3, 3, True), (4, 3, True),
                                                    (1, 1, True), (1, 0, True)])
def test_the_revisit_is_given_up_after_the_tenants_number_of_unreachable_calls(count, limit, expected):
    assert rules.gives_up(count, limit) is expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["item_1", "item_2", "item_3"]),
                       st.one_of(st.none(), st.text(max_size=5), st.sampled_from(["yes", "no", "1", "3", "5"]))))
def test_answers_are_either_accepted_for_every_required_item_or_a_problem_names_the_item(answers):
    values, problems = rules.check_answers(ITEMS, answers)
    for item in ITEMS:
        if item.key not in problems:
            assert not (item.required and values[item.key] is None)
    assert set(problems) <= {i.key for i in ITEMS}

