"""Grading and escalation rules (DOMAIN.md §2), checked without a database."""
import itertools
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.complaints.rules import GRADE_ORDER, Grade, grade_rank
from portal.sla.grading import (
    EXPLANATIONS,
    KEYWORD_LISTS,
    RISK_FLAGS,
    RULES,
    ComplaintFacts,
    Finding,
    Thresholds,
    batch_incidents,
    describe,
    detect_keywords,
    downgrade_problems,
    evaluate,
    keyword_hits,
    parse_keywords,
    target_grade,
    upgrade_reasons,
    validate,
)

T = Thresholds()
DAY0 = datetime(2026, 3, 1, 2, 0)
NOW = datetime(2026, 6, 1)
WATER_LEAK, NOISE = 7, 8


def complaint(id=1, *, tenant=1, who=None, category=WATER_LEAK, day=0.0, **extra) -> ComplaintFacts:
    """A complaint received `day` days after DAY0, by its own customer unless `who` says otherwise."""
    return ComplaintFacts(id=id, tenant_id=tenant, customer_key=f"1380000{id:04d}" if who is None else who,
                          category_id=category, received_at=DAY0 + timedelta(days=day), **extra)


def rules_of(findings) -> set[str]:
    return {f.rule for f in findings}


def the(rule, findings) -> Finding:
    [found] = [f for f in findings if f.rule == rule]
    return found


def grade_of(facts, history=(), thresholds=T, **kw) -> str:
    return target_grade(facts.grade, evaluate(facts, list(history), thresholds, NOW, **kw))


# --- an ordinary complaint ----------------------------------------------------------------------

def test_an_ordinary_complaint_meets_no_rule_and_stays_general():
    facts = complaint(text="热水器维修后还是不出热水，希望尽快处理")
    assert evaluate(facts, [], T, NOW) == []
    assert grade_of(facts) == Grade.GENERAL


def test_inquiries_and_repair_requests_are_not_graded():
    for kind in ("inquiry", "repair"):
        assert evaluate(complaint(kind=kind, is_repeat=True, text="气囊没弹出，我受伤了，要起诉"), [], T, NOW) == []


# --- important ------------------------------------------------------------------------------------

def test_a_repeat_complaint_is_at_least_important():
    findings = evaluate(complaint(is_repeat=True), [], T, NOW)
    assert the("repeat", findings).grade == Grade.IMPORTANT
    assert target_grade(Grade.GENERAL, findings) == Grade.IMPORTANT


def test_handling_that_needs_outside_support_is_at_least_important():
    findings = evaluate(complaint(outside_support=True), [], T, NOW)
    assert the("outside_support", findings).grade == Grade.IMPORTANT


# --- clusters: 3 different complainants, same category, within 30 days → hot ---------------------

def cluster_of(n, spacing=10.0, **kw):
    """`n` complaints of the same category from different customers, `spacing` days apart."""
    return [complaint(i + 1, day=i * spacing, **kw) for i in range(n)]


@pytest.mark.parametrize("complainants,hot", [(1, False), (2, False), (3, True), (4, True)])
def test_three_complainants_in_a_month_make_it_hot(complainants, hot):
    rows = cluster_of(complainants)
    findings = evaluate(rows[-1], rows[:-1], T, NOW)
    assert ("cluster" in rules_of(findings)) is hot
    if hot:
        cluster = the("cluster", findings)
        assert cluster.grade == Grade.HOT
        assert cluster.figures == {"complainants": complainants, "window_days": 30, "threshold": 3}
        assert set(cluster.related_ids) == {c.id for c in rows}


@pytest.mark.parametrize("size", [2, 3, 5, 8])
def test_the_cluster_fires_at_the_tenants_size_and_not_one_below(size):
    t = replace(T, cluster_size=size)
    rows = cluster_of(size, spacing=1)
    assert "cluster" in rules_of(evaluate(rows[-1], rows[:-1], t, NOW))
    assert "cluster" not in rules_of(evaluate(rows[-2], rows[:-2], t, NOW))


@pytest.mark.parametrize("last_day,hot", [(30, True), (30 + 1 / 86400, False), (31, False)])
def test_the_month_window_includes_its_last_day_and_nothing_after(last_day, hot):
    rows = [complaint(1, day=0), complaint(2, day=15), complaint(3, day=last_day)]
    assert ("cluster" in rules_of(evaluate(rows[2], rows[:2], T, NOW))) is hot


def test_complaints_outside_the_window_do_not_count():
    rows = [complaint(1, day=0), complaint(2, day=40), complaint(3, day=80)]
    for facts in rows:
        assert "cluster" not in rules_of(evaluate(facts, rows, T, NOW))


def test_every_member_of_a_cluster_becomes_hot_even_the_first():
    rows = cluster_of(3)
    for facts in rows:
        cluster = the("cluster", evaluate(facts, rows, T, NOW))
        assert set(cluster.related_ids) == {1, 2, 3}


def test_the_cluster_is_the_window_with_most_complainants():
    rows = [complaint(1, day=0), complaint(2, day=20), complaint(3, day=29), complaint(4, day=45),
            complaint(5, day=50)]
    cluster = the("cluster", evaluate(rows[2], rows, T, NOW))
    assert cluster.figures["complainants"] == 4 and cluster.related_ids == (2, 3, 4, 5)


def test_the_same_customer_complaining_three_times_is_not_a_cluster():
    rows = [complaint(i, who="13800001111", day=i) for i in (1, 2, 3)]
    assert "cluster" not in rules_of(evaluate(rows[-1], rows, T, NOW))


def test_complainants_are_told_apart_by_key_ignoring_case_and_spaces():
    rows = [complaint(1, who="Wang@Example.com"), complaint(2, who=" wang@example.com ", day=1),
            complaint(3, who="li@example.com", day=2)]
    assert "cluster" not in rules_of(evaluate(rows[-1], rows, T, NOW))


def test_complaints_without_a_customer_key_count_as_different_complainants():
    rows = [complaint(i, who="", day=i) for i in (1, 2, 3)]
    assert "cluster" in rules_of(evaluate(rows[-1], rows, T, NOW))


def test_clusters_are_per_category():
    rows = [complaint(1, category=WATER_LEAK), complaint(2, category=WATER_LEAK, day=1),
            complaint(3, category=NOISE, day=2)]
    assert "cluster" not in rules_of(evaluate(rows[-1], rows, T, NOW))
    assert "cluster" not in rules_of(evaluate(rows[0], rows, T, NOW))


def test_a_complaint_without_a_category_joins_no_cluster():
    rows = cluster_of(3, category=None)
    assert "cluster" not in rules_of(evaluate(rows[-1], rows, T, NOW))


def test_two_tenants_complainants_never_add_up():
    ours = [complaint(1, tenant=1), complaint(2, tenant=1, day=1)]
    theirs = [complaint(3, tenant=2, day=2), complaint(4, tenant=2, day=3)]
    assert "cluster" not in rules_of(evaluate(ours[-1], ours + theirs, T, NOW))
    assert "cluster" not in rules_of(evaluate(theirs[-1], ours + theirs, T, NOW))


def test_only_complaints_count_towards_a_cluster():
    rows = [complaint(1), complaint(2, day=1, kind="inquiry"), complaint(3, day=2, kind="repair"),
            complaint(4, day=3)]
    assert "cluster" not in rules_of(evaluate(rows[-1], rows, T, NOW))


def test_complaints_received_after_now_are_not_seen():
    rows = cluster_of(3, spacing=1)
    assert "cluster" not in rules_of(evaluate(rows[0], rows, T, rows[1].received_at))
    assert "cluster" in rules_of(evaluate(rows[0], rows, T, rows[2].received_at))


def test_the_complaint_itself_in_its_history_is_counted_once():
    rows = cluster_of(2)
    assert "cluster" not in rules_of(evaluate(rows[-1], rows + rows, T, NOW))


def test_a_busy_cluster_names_the_nearest_twenty_complaints_and_counts_every_complainant():
    rows = cluster_of(30, spacing=0.5)  # 30 complainants within 15 days
    newest = the("cluster", evaluate(rows[-1], rows[:-1], T, NOW))
    assert newest.figures["complainants"] == 30
    assert newest.related_ids == tuple(range(11, 31))  # the latest twenty, itself included
    middle = the("cluster", evaluate(rows[15], rows, T, NOW))  # day 7.5: itself, nine before, ten after (a tie goes to the later)
    assert middle.figures["complainants"] == 30 and middle.related_ids == tuple(range(7, 27))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.floats(0, 90), st.sampled_from([WATER_LEAK, NOISE])),
                min_size=1, max_size=12))
def test_another_tenants_complaints_never_change_the_findings(rows):
    ours = [complaint(i + 1, who=f"c{who}", day=day, category=cat) for i, (who, day, cat) in enumerate(rows)]
    theirs = [replace(c, id=c.id + 100, tenant_id=2) for c in ours]
    for facts in ours:
        assert evaluate(facts, ours, T, NOW) == evaluate(facts, ours + theirs, T, NOW)


# --- collective complaints: ≥3 hot, ≥5 major ---------------------------------------------------------

@pytest.mark.parametrize("people,grade,threshold", [
    (1, None, None), (2, None, None), (3, Grade.HOT, 3), (4, Grade.HOT, 3),
    (5, Grade.MAJOR, 5), (40, Grade.MAJOR, 5)])
def test_a_collective_complaint_of_three_is_hot_and_of_five_is_major(people, grade, threshold):
    findings = evaluate(complaint(complainants=people), [], T, NOW)
    if grade is None:
        assert "collective" not in rules_of(findings)
    else:
        assert the("collective", findings).grade == grade
        assert the("collective", findings).figures == {"complainants": people, "threshold": threshold}


def test_collective_sizes_follow_the_tenants_settings():
    t = replace(T, collective_hot=10, collective_major=20)
    assert "collective" not in rules_of(evaluate(complaint(complainants=9), [], t, NOW))
    assert the("collective", evaluate(complaint(complainants=10), [], t, NOW)).grade == Grade.HOT
    assert the("collective", evaluate(complaint(complainants=19), [], t, NOW)).grade == Grade.HOT
    assert the("collective", evaluate(complaint(complainants=20), [], t, NOW)).grade == Grade.MAJOR


# --- unresolved for our reasons: a week hot, a month major ------------------------------------------

@pytest.mark.parametrize("days,grade", [
    (0, None), (6.99, None), (7, Grade.HOT), (29.99, Grade.HOT), (30, Grade.MAJOR), (100, Grade.MAJOR)])
def test_unresolved_a_week_for_our_reasons_is_hot_and_a_month_major(days, grade):
    findings = evaluate(complaint(our_fault_open_days=days), [], T, NOW)
    if grade is None:
        assert "unresolved" not in rules_of(findings)
    else:
        assert the("unresolved", findings).grade == grade


def test_a_closed_complaint_is_not_unresolved():
    closed = complaint(our_fault_open_days=40, status_open=False)
    assert "unresolved" not in rules_of(evaluate(closed, [], T, NOW))


def test_unresolved_days_are_shown_without_rounding_up():
    finding = the("unresolved", evaluate(complaint(our_fault_open_days=7.99), [], T, NOW))
    assert finding.figures == {"days": 7.9, "threshold": 7}
    assert the("unresolved", evaluate(complaint(our_fault_open_days=30.0), [], T, NOW)).figures["days"] == 30


# --- risk flags set by staff --------------------------------------------------------------------------

@pytest.mark.parametrize("flag,grade", [
    ("lawsuit_filed", Grade.MAJOR), ("media_exposed", Grade.MAJOR), ("lawsuit_risk", Grade.HOT),
    ("media_risk", Grade.HOT), ("consumer_association", Grade.HOT)])
def test_a_lawsuit_or_media_exposure_is_major_and_the_risk_of_one_is_hot(flag, grade):
    assert the("risk_flag", evaluate(complaint(risk_flags={flag}), [], T, NOW)).grade == grade


@pytest.mark.parametrize("flag,reported", [
    ("airbag", True), ("corrosion", True), ("injury", True), ("death", True), ("consumer_association", True),
    ("media_exposed", True), ("lawsuit_risk", False), ("media_risk", False), ("property_loss", False),
    ("fraud", False), ("compensation_claimed", False)])
def test_airbag_corrosion_injury_death_consumer_association_and_media_go_to_hq_in_writing(flag, reported):
    findings = evaluate(complaint(risk_flags={flag}), [], T, NOW)
    assert any("hq_report" in f.flags for f in findings) is reported


def test_an_unknown_risk_flag_is_refused():
    with pytest.raises(ValueError):
        complaint(risk_flags={"lawsuit"})


HARM = ["injury", "death", "property_loss", "safety", "fraud", "abuse", "airbag", "corrosion"]
CLAIM = ["compensation_claimed", "consumer_association", "media_exposed", "lawsuit_filed"]
NEITHER = ["lawsuit_risk", "media_risk"]


@pytest.mark.parametrize("harm,claim", list(itertools.product(HARM + [None], CLAIM + NEITHER + [None])))
def test_a_crisis_needs_harm_and_a_claim_or_an_outside_body(harm, claim):
    flags = {f for f in (harm, claim) if f}
    findings = evaluate(complaint(risk_flags=flags), [], T, NOW)
    crisis = harm is not None and claim in CLAIM
    assert any("crisis" in f.flags for f in findings) is crisis
    if crisis:
        assert the("crisis", findings).figures == {"harm": [harm], "claim": [claim]}
        assert the("crisis", findings).grade is None


def test_harm_from_a_flag_and_a_claim_from_the_text_make_a_crisis():
    findings = evaluate(complaint(risk_flags={"property_loss"}, text="要求赔偿车库被淹的损失"), [], T, NOW)
    assert the("crisis", findings).figures == {"harm": ["property_loss"], "claim": ["赔偿"]}


# --- keywords -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,lists", [
    ("我要起诉你们", {"hot"}),
    ("已经起诉到法院了", {"major", "hot"}),
    ("我已经打了12315", {"hot", "report"}),
    ("我已经打了１２３１５", {"hot", "report"}),  # full-width digits, as typed on a Chinese keyboard
    ("投诉到消协", {"hot", "report"}),
    ("气囊没有弹出", {"report"}),
    ("车门下沿锈蚀严重", {"report"}),
    ("孩子受伤住院，要求赔偿", {"crisis", "report", "compensation"}),
    ("维修人员辱骂业主", {"crisis"}),
    ("The AIRBAG did not deploy", {"report"}),
    ("We will Sue you", {"hot"}),
    ("This issue was pursued twice", set()),  # "sue" is not a word inside "issue" or "pursued"
    ("I trust you", set()),  # nor "rust" inside "trust"
    ("Call 123150 for help", set()),
    ("热水器不出热水", set()),
])
def test_keywords_match_chinese_substrings_and_whole_english_words_in_any_case(text, lists):
    assert detect_keywords(text, T) == lists


def test_keyword_hits_name_the_words_found():
    hits = keyword_hits("安全气囊失效，已经投诉到12315", T)
    assert hits["report"] == ("12315", "安全气囊")
    assert hits["hot"] == ("12315",)


def test_keywords_are_the_tenants_own():
    t = replace(T, keywords_hot=("业委会",), keywords_report=("电梯困人",))
    assert detect_keywords("业委会说电梯困人", t) == {"hot", "report"}
    assert detect_keywords("我要起诉", t) == set()


@pytest.mark.parametrize("text,grade,reported", [
    ("我要起诉你们", Grade.HOT, False),
    ("已经上了新闻，记者来过", Grade.MAJOR, True),
    ("气囊没有弹出", None, True),
])
def test_words_in_the_complaint_grade_it_and_send_it_to_hq(text, grade, reported):
    finding = the("keywords", evaluate(complaint(text=text), [], T, NOW))
    assert finding.grade == grade and ("hq_report" in finding.flags) is reported


def test_harm_words_with_a_lawsuit_threat_make_a_crisis_and_a_report():
    findings = evaluate(complaint(text="车辆自燃烧伤了我，我要起诉"), [], T, NOW)
    assert "crisis" in the("crisis", findings).flags
    assert target_grade(Grade.GENERAL, findings) == Grade.HOT


def test_harm_words_alone_are_no_crisis():
    assert "crisis" not in rules_of(evaluate(complaint(text="维修工人辱骂业主"), [], T, NOW))


def test_keywords_can_be_entered_one_per_line_or_separated_by_commas():
    assert parse_keywords("起诉\n 律师函，媒体、12315; sue ;\n\n") == ("起诉", "律师函", "媒体", "12315", "sue")
    assert parse_keywords(["起诉", " ", "律师"]) == ("起诉", "律师")


# --- batch quality incidents ---------------------------------------------------------------------------

@pytest.mark.parametrize("reports,size,percent,incident", [
    (4, 100, 5.0, False), (5, 100, 5.0, True), (6, 100, 5.0, True),
    (1, 20, 5.0, True), (0, 20, 5.0, False), (29, 1000, 3.0, False), (30, 1000, 3.0, True),
    (1, 3, 33.3, True), (1, 10, 10.1, False), (3, 10, 30, True), (10, 10, 100, True), (9, 10, 100, False)])
def test_the_same_problem_in_five_percent_of_a_batch_is_a_batch_incident(reports, size, percent, incident):
    assert batch_incidents({"B1": reports}, {"B1": size}, percent) == (["B1"] if incident else [])


def test_a_batch_without_a_declared_size_is_never_an_incident():
    assert batch_incidents({"B1": 50, "B2": 50}, {"B2": 0}, 5.0) == []


def test_batch_incidents_are_listed_in_key_order():
    assert batch_incidents({"P3": 9, "P1": 9, "P2": 1}, {"P1": 100, "P2": 100, "P3": 100}, 5.0) == ["P1", "P3"]


def test_owners_of_one_building_phase_reporting_wall_cracks_flag_a_batch_incident():
    rows = [complaint(i, batch_key="一期", day=i * 20) for i in (1, 2, 3, 4, 5)]
    findings = evaluate(rows[-1], rows, T, NOW, batch_sizes={"一期": 100})
    batch = the("batch", findings)
    assert batch.flags == {"batch_incident"} and batch.grade is None
    assert batch.related_ids == (1, 2, 3, 4, 5)
    assert batch.figures == {"reports": 5, "batch_size": 100, "batch": "一期", "percent": 5.0,
                             "threshold_percent": 5.0}
    assert "batch" not in rules_of(evaluate(rows[3], rows[:4], T, NOW, batch_sizes={"一期": 100}))


def test_a_batch_counts_only_the_same_problem_in_the_same_batch():
    sizes = {"一期": 40, "二期": 40}
    rows = [complaint(1, batch_key="一期"), complaint(2, batch_key="二期"),
            complaint(3, batch_key="一期", category=NOISE)]
    assert "batch" not in rules_of(evaluate(rows[0], rows, T, NOW, batch_sizes=sizes))
    rows.append(complaint(4, batch_key="一期", day=60))
    assert the("batch", evaluate(rows[0], rows, T, NOW, batch_sizes=sizes)).related_ids == (1, 4)
    assert "batch" not in rules_of(evaluate(rows[0], rows, T, NOW))  # no declared size, no incident


# --- the target grade: highest wins, never a downgrade ------------------------------------------------

def test_several_rules_give_the_highest_grade():
    facts = complaint(is_repeat=True, complainants=5, our_fault_open_days=8)
    findings = evaluate(facts, [], T, NOW)
    assert target_grade(Grade.GENERAL, findings) == Grade.MAJOR
    assert [f.rule for f in upgrade_reasons(Grade.GENERAL, findings)] == ["collective"]


def test_rules_never_downgrade_a_major_complaint():
    findings = evaluate(complaint(grade=Grade.MAJOR, is_repeat=True), [], T, NOW)
    assert target_grade(Grade.MAJOR, findings) == Grade.MAJOR
    assert upgrade_reasons(Grade.MAJOR, findings) == []


findings_strategy = st.lists(st.builds(Finding, rule=st.sampled_from(RULES),
                                       grade=st.none() | st.sampled_from([str(g) for g in Grade])), max_size=6)


@given(st.sampled_from([str(g) for g in Grade]), findings_strategy)
def test_the_target_grade_is_never_below_the_current_grade_or_any_finding(current, findings):
    target = target_grade(current, findings)
    assert grade_rank(target) >= grade_rank(current)
    assert all(grade_rank(target) >= grade_rank(f.grade) for f in findings if f.grade)
    assert target in {current, *(f.grade for f in findings)}


@given(st.sampled_from([str(g) for g in Grade]), findings_strategy)
def test_the_upgrade_names_exactly_the_findings_that_reached_the_new_grade(current, findings):
    reasons = upgrade_reasons(current, findings)
    target = target_grade(current, findings)
    assert (reasons == []) is (target == current)
    assert all(f.grade == target for f in reasons)


# --- manual downgrade ------------------------------------------------------------------------------------

def test_a_downgrade_with_a_reason_by_the_approver_of_the_higher_grade_is_allowed():
    assert downgrade_problems("major", "hot", "律师函系误会，客户已撤回", {"major", "hot"}) == {}


@pytest.mark.parametrize("current,new,reason,approves,problems", [
    ("major", "hot", "", {"major"}, {"reason": "required"}),
    ("major", "hot", "   ", {"major"}, {"reason": "required"}),
    ("major", "hot", None, {"major"}, {"reason": "required"}),
    ("major", "hot", "已和解", {"hot", "important"}, {"approver": "approver_not_allowed_for_grade"}),
    ("hot", "hot", "已和解", {"hot"}, {"grade": "not_a_downgrade"}),
    ("hot", "major", "已和解", {"hot", "major"}, {"grade": "not_a_downgrade"}),
    ("hot", "urgent", "已和解", {"hot"}, {"grade": "unknown_grade"}),
    ("major", "general", "", set(), {"reason": "required", "approver": "approver_not_allowed_for_grade"}),
])
def test_a_downgrade_needs_a_reason_and_the_approver_of_the_higher_grade(current, new, reason, approves,
                                                                         problems):
    assert downgrade_problems(current, new, reason, approves) == problems


# --- tenant settings --------------------------------------------------------------------------------------

def test_the_defaults_are_the_regulations_figures_and_valid():
    assert (T.cluster_size, T.cluster_window_days, T.collective_hot, T.collective_major) == (3, 30, 3, 5)
    assert (T.unresolved_hot_days, T.unresolved_major_days, T.batch_percent) == (7, 30, 5.0)
    assert validate(T) == {}


@pytest.mark.parametrize("changes,problems", [
    ({"cluster_window_days": 0}, {"cluster_window_days": "must_be_positive"}),
    ({"unresolved_hot_days": -1}, {"unresolved_hot_days": "must_be_positive"}),
    ({"unresolved_major_days": 0}, {"unresolved_major_days": "must_be_positive"}),
    ({"cluster_size": 1}, {"cluster_size": "at_least_two"}),
    ({"collective_hot": 1}, {"collective_hot": "at_least_two"}),
    ({"cluster_size": 2.5}, {"cluster_size": "not_a_whole_number"}),
    ({"cluster_window_days": True}, {"cluster_window_days": "not_a_whole_number"}),
    ({"collective_hot": 5}, {"collective_hot": "hot_must_be_below_major"}),
    ({"collective_hot": 6}, {"collective_hot": "hot_must_be_below_major"}),
    ({"unresolved_hot_days": 30}, {"unresolved_hot_days": "hot_must_be_below_major"}),
    ({"unresolved_major_days": 5}, {"unresolved_hot_days": "hot_must_be_below_major"}),
    ({"batch_percent": 0}, {"batch_percent": "percent_out_of_range"}),
    ({"batch_percent": -5}, {"batch_percent": "percent_out_of_range"}),
    ({"batch_percent": 100.01}, {"batch_percent": "percent_out_of_range"}),
    ({"batch_percent": float("nan")}, {"batch_percent": "not_a_number"}),
    ({"batch_percent": "5"}, {"batch_percent": "not_a_number"}),
    ({"keywords_report": ()}, {"keywords_report": "keywords_required"}),
    ({"keywords_hot": ("起诉", " ")}, {"keywords_hot": "keyword_blank"}),
])
def test_settings_that_break_the_rules_are_refused_with_a_clear_reason(changes, problems):
    assert validate(replace(T, **changes)) == problems


@pytest.mark.parametrize("changes", [
    {"batch_percent": 100}, {"batch_percent": 0.5}, {"collective_hot": 2, "collective_major": 3},
    {"keywords_major": (), "keywords_hot": (), "keywords_crisis": (), "keywords_compensation": ()}])
def test_sensible_settings_are_accepted(changes):
    assert validate(replace(T, **changes)) == {}


def test_settings_survive_a_round_trip_through_json():
    import json
    t = replace(T, cluster_size=4, batch_percent=2.5, keywords_report=("气囊", "业委会"))
    assert Thresholds.from_dict(json.loads(json.dumps(t.to_dict()))) == t


def test_stored_settings_missing_a_field_take_the_default_and_unknown_fields_are_ignored():
    t = Thresholds.from_dict({"cluster_size": 4, "retired_setting": 1, "keywords_hot": "起诉\n律师"})
    assert t.cluster_size == 4 and t.cluster_window_days == 30 and t.keywords_hot == ("起诉", "律师")
    assert Thresholds.from_dict(None) == T


def test_every_keyword_list_is_stored():
    assert set(KEYWORD_LISTS) <= T.to_dict().keys()


# --- explanations -----------------------------------------------------------------------------------------

def test_the_cluster_is_described_with_its_figures():
    rows = cluster_of(3)
    assert describe(the("cluster", evaluate(rows[-1], rows, T, NOW))) == (
        "3 different complainants about the same category within 30 days (threshold 3): hot")


@pytest.mark.parametrize("facts,rule,sentence", [
    (complaint(is_repeat=True), "repeat",
     "The same problem was complained about again after it was closed: important"),
    (complaint(outside_support=True), "outside_support", "Handling needs outside support: important"),
    (complaint(complainants=6), "collective", "A collective complaint by 6 people (threshold 5): major"),
    (complaint(our_fault_open_days=8.25), "unresolved",
     "Unresolved for 8.2 days for reasons on our side (limit 7 days): hot"),
    (complaint(risk_flags={"airbag", "media_exposed"}), "risk_flag",
     "Marked by staff: airbag, media_exposed: major, written report to HQ"),
    (complaint(text="气囊没弹出，我要起诉"), "keywords", "Words in the complaint: 气囊, 起诉: hot, written report to HQ"),
    (complaint(risk_flags={"injury", "compensation_claimed"}), "crisis",
     "Harm (injury) and the customer claims compensation or went outside (compensation_claimed): crisis event"),
])
def test_each_finding_is_described_in_words_with_its_figures(facts, rule, sentence):
    assert describe(the(rule, evaluate(facts, [], T, NOW))) == sentence


def test_a_batch_incident_is_described_with_its_share():
    rows = [complaint(i, batch_key="A12", day=i) for i in (1, 2)]
    finding = the("batch", evaluate(rows[0], rows, T, NOW, batch_sizes={"A12": 40}))
    assert describe(finding) == ("2 of 40 in batch A12 reported the same problem (5.0%, threshold 5.0%): "
                                 "batch quality incident")


def test_every_rule_has_an_explanation_and_findings_serialise_for_the_event():
    assert {f"finding_{rule}" for rule in RULES} == EXPLANATIONS.keys()
    finding = Finding("cluster", Grade.HOT, frozenset({"hq_report"}), {"complainants": 3}, (1, 2, 3))
    assert finding.explain() == ("finding_cluster", {"complainants": 3})
    assert finding.as_data() == {"rule": "cluster", "grade": "hot", "flags": ["hq_report"],
                                 "figures": {"complainants": 3}, "related_ids": [1, 2, 3]}


def test_risk_flags_and_grades_are_the_known_vocabularies():
    assert len(RISK_FLAGS) == 14
    assert [str(g) for g in GRADE_ORDER] == ["general", "important", "hot", "major"]
