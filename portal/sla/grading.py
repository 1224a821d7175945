"""Grading and escalation rules (DOMAIN.md §2) as pure functions over a complaint and its tenant's history.

`evaluate()` lists every rule a complaint meets as a `Finding` (the rule, the minimum grade it
implies, the flags it raises and the figures that fired it); `target_grade()` turns findings into
the grade to upgrade to, never lower than the current one. A manual downgrade is checked by
`downgrade_problems()`. Thresholds are a tenant setting (`Thresholds`, stored as JSON).

Definitions the caller can rely on:

- **Cluster window**: a complaint is in a cluster when some window of `cluster_window_days`
  days (both ends included) that contains its `received_at` holds complaints of the same
  category from at least `cluster_size` different complainants. Of the windows that qualify,
  the one with the most complainants (the earliest on a tie) gives `related_ids`, so a
  complaint's grade does not depend on the order in which its neighbours arrived. Windows
  of two members can overlap: the caller merges clusters that share a complaint. A finding
  names at most `RELATED_LIMIT` of the window's complaints (those received nearest to the
  complaint, itself included), so a busy category does not link each complaint to thousands;
  its figures still count every complainant.
- **Complainants** are told apart by `customer_key` (trimmed, case-insensitive); a complaint
  without one counts as its own complainant, since nothing shows it is someone already counted.
- Only complaints (`kind == "complaint"`) are graded and counted; rows of another tenant or
  received after `now` are ignored, so `evaluate` sees the tenant as it was at `now`.
- **Keywords**: Chinese keywords match as substrings; a keyword that starts or ends with a
  Latin letter or digit must stand as a whole word, case-insensitively ("sue" is not found
  in "issue"). Text and keywords are NFKC-normalised, so full-width "１２３１５" is 12315.

Nothing here imports Flask or peewee.
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from fractions import Fraction

from ..complaints.rules import Grade, Kind, grade_rank

RULES = ("repeat", "outside_support", "cluster", "collective", "unresolved", "risk_flag", "keywords",
         "crisis", "batch")
FLAGS = ("crisis", "hq_report", "batch_incident")
RISK_FLAGS = frozenset({"lawsuit_filed", "media_exposed", "lawsuit_risk", "media_risk", "consumer_association",
                        "injury", "property_loss", "safety", "fraud", "abuse", "compensation_claimed",
                        "airbag", "corrosion", "death"})
FLAG_GRADES = {"lawsuit_filed": Grade.MAJOR, "media_exposed": Grade.MAJOR, "lawsuit_risk": Grade.HOT,
               "media_risk": Grade.HOT, "consumer_association": Grade.HOT}
# Safety-related matters and outside bodies that must be reported to HQ in writing (§2).
REPORT_FLAGS = frozenset({"airbag", "corrosion", "injury", "death", "consumer_association", "media_exposed"})
# A crisis needs harm (airbag and corrosion are the safety matters §2 names) ...
HARM_FLAGS = frozenset({"injury", "death", "property_loss", "safety", "fraud", "abuse", "airbag", "corrosion"})
# ... and a customer who claims compensation (a lawsuit is such a claim) or went outside.
CLAIM_FLAGS = frozenset({"compensation_claimed", "lawsuit_filed", "consumer_association", "media_exposed"})
KEYWORD_LISTS = ("keywords_major", "keywords_hot", "keywords_crisis", "keywords_compensation",
                 "keywords_report")
# The most complaints a cluster finding names (and the intake links): the nearest in time.
RELATED_LIMIT = 20


@dataclass(frozen=True)
class Thresholds:
    """A tenant's escalation settings; the defaults are DOMAIN.md §2."""

    cluster_size: int = 3
    cluster_window_days: int = 30
    collective_hot: int = 3
    collective_major: int = 5
    unresolved_hot_days: int = 7
    unresolved_major_days: int = 30
    batch_percent: float = 5.0
    # Done deeds (lawsuit filed, already exposed): major.
    keywords_major: tuple[str, ...] = (
        "已起诉", "已经起诉", "提起诉讼", "已立案", "法院传票", "开庭", "律师函", "媒体曝光", "已曝光",
        "新闻报道", "电视台报道", "微博曝光", "上了新闻", "上热搜",
        "lawsuit filed", "sued", "summons", "lawyer's letter", "in the news", "news report")
    # Threats and outside bodies (may lead to a lawsuit or exposure): hot.
    keywords_hot: tuple[str, ...] = (
        "起诉", "诉讼", "打官司", "律师", "法院", "曝光", "媒体", "记者", "报社", "电视台", "微博", "抖音",
        "12315", "12345", "消协", "消费者协会", "市场监管", "工商局", "质监局", "投诉到厂家",
        "sue", "lawsuit", "lawyer", "court", "media", "journalist", "reporter", "newspaper",
        "consumer association")
    # Harm: property loss, injury, safety risk, fraud, abuse.
    keywords_crisis: tuple[str, ...] = (
        "受伤", "伤亡", "死亡", "身亡", "烧伤", "骨折", "住院", "财产损失", "安全隐患", "起火", "自燃", "着火",
        "爆炸", "漏电", "刹车失灵", "失控", "欺诈", "诈骗", "欺骗", "辱骂", "殴打", "打人", "骂人",
        "injury", "injured", "death", "died", "fire", "fraud", "cheated", "assault", "abuse", "safety hazard",
        "property damage")
    keywords_compensation: tuple[str, ...] = (
        "赔偿", "索赔", "补偿", "赔钱", "compensation", "compensate", "damages")
    # Matters HQ must receive in writing.
    keywords_report: tuple[str, ...] = (
        "安全气囊", "气囊", "腐蚀", "锈蚀", "生锈", "锈穿", "受伤", "伤亡", "死亡", "身亡", "消协",
        "消费者协会", "12315", "媒体", "记者", "曝光",
        "airbag", "corrosion", "corroded", "rust", "rusted", "injury", "injured", "death", "died",
        "consumer association", "media", "journalist", "reporter")

    @classmethod
    def from_dict(cls, data: Mapping | None) -> Thresholds:
        """Settings read back from stored JSON: missing keys take the defaults, unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        values = {}
        for name, value in (data or {}).items():
            if name in known:
                values[name] = parse_keywords(value) if name in KEYWORD_LISTS else value
        return cls(**values)

    def to_dict(self) -> dict:
        """The settings as JSON-ready values."""
        return {name: list(value) if name in KEYWORD_LISTS else value for name, value in asdict(self).items()}


def parse_keywords(value) -> tuple[str, ...]:
    """Keywords from a list, or from text with one per line or separated by commas, 、 or ；."""
    if isinstance(value, str):
        value = re.split(r"[\n,，、;；]", value)
    return tuple(word.strip() for word in value if isinstance(word, str) and word.strip())


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate(t: Thresholds) -> dict[str, str]:
    """Why these settings cannot be saved (field -> message id); empty when they can."""
    problems = {}
    for name, low in [("cluster_size", 2), ("cluster_window_days", 1), ("collective_hot", 2),
                      ("collective_major", 2), ("unresolved_hot_days", 1), ("unresolved_major_days", 1)]:
        value = getattr(t, name)
        if not _whole(value):
            problems[name] = "not_a_whole_number"
        elif value < low:
            problems[name] = "must_be_positive" if low == 1 else "at_least_two"
    for hot, major in [("collective_hot", "collective_major"),
                       ("unresolved_hot_days", "unresolved_major_days")]:
        if not problems.keys() & {hot, major} and getattr(t, hot) >= getattr(t, major):
            problems[hot] = "hot_must_be_below_major"
    percent = t.batch_percent
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not math.isfinite(percent):
        problems["batch_percent"] = "not_a_number"
    elif not 0 < percent <= 100:
        problems["batch_percent"] = "percent_out_of_range"
    for name in KEYWORD_LISTS:
        words = getattr(t, name)
        if not isinstance(words, tuple | list) or not all(isinstance(w, str) and w.strip() for w in words):
            problems[name] = "keyword_blank"
    if "keywords_report" not in problems and not t.keywords_report:
        problems["keywords_report"] = "keywords_required"
    return problems


@dataclass(frozen=True)
class ComplaintFacts:
    """What the rules need to know about one complaint; the caller fills it from the database."""

    id: int
    tenant_id: int
    customer_key: str | None
    category_id: int | None
    received_at: datetime  # naive UTC
    grade: str = Grade.GENERAL
    kind: str = Kind.COMPLAINT
    status_open: bool = True
    complainants: int = 1
    is_repeat: bool = False
    outside_support: bool = False
    risk_flags: frozenset[str] = frozenset()
    text: str = ""
    our_fault_open_days: float = 0.0  # days unresolved for reasons on our side (the deadline engine's count)
    batch_key: str | None = None

    def __post_init__(self):
        object.__setattr__(self, "risk_flags", frozenset(self.risk_flags))
        unknown = self.risk_flags - RISK_FLAGS
        if unknown:
            raise ValueError(f"unknown risk flags: {sorted(unknown)}")


@dataclass(frozen=True)
class Finding:
    """One rule a complaint meets: the minimum grade it implies, the flags it raises, and why."""

    rule: str
    grade: str | None = None
    flags: frozenset[str] = frozenset()
    figures: dict = field(default_factory=dict)
    related_ids: tuple = ()

    def explain(self) -> tuple[str, dict]:
        """The sentence id (`finding_<rule>`) and its parameters, for the caller to translate."""
        params = {name: ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
                  for name, value in self.figures.items()}
        return f"finding_{self.rule}", params

    def as_data(self) -> dict:
        """The finding as JSON-ready data for the upgrade event."""
        return {"rule": self.rule, "grade": self.grade, "flags": sorted(self.flags),
                "figures": dict(self.figures), "related_ids": list(self.related_ids)}


# English sentences for `Finding.explain()`; params are named as in flask-babel (%(name)s).
EXPLANATIONS = {
    "finding_repeat": "The same problem was complained about again after it was closed",
    "finding_outside_support": "Handling needs outside support",
    "finding_cluster": ("%(complainants)s different complainants about the same category within "
                        "%(window_days)s days (threshold %(threshold)s)"),
    "finding_collective": "A collective complaint by %(complainants)s people (threshold %(threshold)s)",
    "finding_unresolved": "Unresolved for %(days)s days for reasons on our side (limit %(threshold)s days)",
    "finding_risk_flag": "Marked by staff: %(flags)s",
    "finding_keywords": "Words in the complaint: %(keywords)s",
    "finding_crisis": "Harm (%(harm)s) and the customer claims compensation or went outside (%(claim)s)",
    "finding_batch": ("%(reports)s of %(batch_size)s in batch %(batch)s reported the same problem "
                      "(%(percent)s%%, threshold %(threshold_percent)s%%)"),
}
FLAG_WORDS = {"crisis": "crisis event", "hq_report": "written report to HQ",
              "batch_incident": "batch quality incident"}


def describe(finding: Finding) -> str:
    """The finding in plain English, figures included, e.g. '3 different complainants … (threshold 3): hot'."""
    message_id, params = finding.explain()
    outcome = ([finding.grade] if finding.grade else []) + [FLAG_WORDS[f] for f in FLAGS if f in finding.flags]
    return f"{EXPLANATIONS[message_id] % params}: {', '.join(outcome)}"


@functools.lru_cache(maxsize=64)
def _pattern(words: tuple[str, ...]) -> re.Pattern | None:
    """One case-insensitive pattern for a keyword list; Latin ends must be word ends."""
    parts = []
    words = {unicodedata.normalize("NFKC", w.strip()) for w in words if w.strip()}
    for word in sorted(words, key=len, reverse=True):  # the longest first: 安全气囊 before 气囊
        head = r"(?<![a-z0-9])" if word[0].isascii() and word[0].isalnum() else ""
        tail = r"(?![a-z0-9])" if word[-1].isascii() and word[-1].isalnum() else ""
        parts.append(f"{head}{re.escape(word)}{tail}")
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def keyword_hits(text: str, t: Thresholds) -> dict[str, tuple[str, ...]]:
    """For each keyword list (major, hot, crisis, compensation, report), the words found in `text`."""
    text = unicodedata.normalize("NFKC", text or "")
    hits = {}
    for name in KEYWORD_LISTS:
        words = {unicodedata.normalize("NFKC", w.strip()).casefold(): w for w in getattr(t, name) if w.strip()}
        pattern = _pattern(tuple(getattr(t, name)))
        matches = pattern.finditer(text) if pattern else ()
        found = {words.get(m.group(0).casefold(), m.group(0)) for m in matches}
        if found:
            hits[name.removeprefix("keywords_")] = tuple(sorted(found))
    return hits


def detect_keywords(text: str, t: Thresholds) -> frozenset[str]:
    """Which keyword lists the text hits: a subset of {"major", "hot", "crisis", "compensation", "report"}."""
    return frozenset(keyword_hits(text, t))


# --- the rules -------------------------------------------------------------------------------

def complainant_key(customer_key: str | None, complaint_id) -> str:
    """Who complained: the trimmed, case-folded key, or the complaint itself when there is none."""
    key = (customer_key or "").strip().casefold()
    return key or f"#{complaint_id}"


def _complainant(c: ComplaintFacts) -> str:
    return complainant_key(c.customer_key, c.id)


def _peers(facts: ComplaintFacts, history: Iterable[ComplaintFacts], now: datetime) -> list[ComplaintFacts]:
    """This complaint and the same tenant's other complaints received by `now`, oldest first."""
    rows = {c.id: c for c in history if c.tenant_id == facts.tenant_id and c.kind == Kind.COMPLAINT
            and c.received_at <= now and c.id != facts.id}
    return sorted([facts, *rows.values()], key=lambda c: (c.received_at, str(c.id)))


def _repeat(facts: ComplaintFacts) -> list[Finding]:
    """A repeat complaint (二次投诉) is at least important."""
    return [Finding("repeat", Grade.IMPORTANT)] if facts.is_repeat else []


def _outside_support(facts: ComplaintFacts) -> list[Finding]:
    """Handling that needs outside support is at least important."""
    return [Finding("outside_support", Grade.IMPORTANT)] if facts.outside_support else []


def _cluster(facts: ComplaintFacts, peers: list[ComplaintFacts], t: Thresholds) -> list[Finding]:
    """Enough different complainants about one category within one window make each of them hot."""
    if facts.category_id is None:
        return []
    window = timedelta(days=t.cluster_window_days)
    same = sorted((c for c in peers
                   if c.category_id == facts.category_id and abs(c.received_at - facts.received_at) <= window),
                  key=lambda c: c.received_at)
    best, count = _busiest_window(same, facts.received_at, window)
    if count < t.cluster_size:
        return []
    return [cluster_finding(count, tuple(c.id for c in nearest(best, facts.received_at)), t)]


def cluster_finding(complainants: int, related_ids: tuple, t: Thresholds) -> Finding:
    """The cluster rule's finding for a window of `complainants` different complainants."""
    figures = {"complainants": complainants, "window_days": t.cluster_window_days, "threshold": t.cluster_size}
    return Finding("cluster", Grade.HOT, figures=figures, related_ids=related_ids)


def nearest(members: list[ComplaintFacts], at: datetime, limit: int = RELATED_LIMIT) -> list[ComplaintFacts]:
    """The `limit` members received nearest to `at` (on a tie the later, then the higher id), in their order."""
    if len(members) <= limit:
        return members
    closest = sorted(members, key=lambda c: (abs(c.received_at - at), c.received_at < at, -c.id))
    kept = {c.id for c in closest[:limit]}
    return [c for c in members if c.id in kept]


def _busiest_window(same: list[ComplaintFacts], until: datetime, window: timedelta):
    """The window [start, start + window] (start: a complaint at or before `until`) with the most
    different complainants; ties keep the earliest. Two pointers over the sorted list: linear time."""
    people: dict[str, int] = {}
    best, count, end = [], 0, 0
    for i, first in enumerate(same):
        if first.received_at > until:
            break
        while end < len(same) and same[end].received_at <= first.received_at + window:
            key = _complainant(same[end])
            people[key] = people.get(key, 0) + 1
            end += 1
        if len(people) > count:  # strictly more, so a tie keeps the earliest window
            best, count = same[i:end], len(people)
        key = _complainant(first)
        people[key] -= 1
        if not people[key]:
            del people[key]
    return best, count


def _by_threshold(value, hot, major) -> tuple[str, object] | None:
    """The grade a figure reaches against a hot and a major threshold, and the threshold it crossed."""
    if value >= major:
        return Grade.MAJOR, major
    if value >= hot:
        return Grade.HOT, hot
    return None


def _collective(facts: ComplaintFacts, t: Thresholds) -> list[Finding]:
    """A collective complaint is hot from `collective_hot` people and major from `collective_major`."""
    reached = _by_threshold(facts.complainants, t.collective_hot, t.collective_major)
    if reached is None:
        return []
    grade, threshold = reached
    return [Finding("collective", grade, figures={"complainants": facts.complainants, "threshold": threshold})]


def _unresolved(facts: ComplaintFacts, t: Thresholds) -> list[Finding]:
    """An open complaint unresolved for our reasons is hot after a week and major after a month."""
    reached = _by_threshold(facts.our_fault_open_days, t.unresolved_hot_days, t.unresolved_major_days)
    if not facts.status_open or reached is None:
        return []
    grade, threshold = reached
    days = math.floor(facts.our_fault_open_days * 10) / 10  # never round up past what happened
    return [Finding("unresolved", grade, figures={"days": int(days) if days.is_integer() else days,
                                                   "threshold": threshold})]


def _risk_flags(facts: ComplaintFacts) -> list[Finding]:
    """Staff's risk flags: lawsuit or media make it hot (risk) or major (done); safety matters go to HQ."""
    graded = [FLAG_GRADES[f] for f in facts.risk_flags if f in FLAG_GRADES]
    grade = max(graded, key=grade_rank) if graded else None
    flags = frozenset({"hq_report"}) if facts.risk_flags & REPORT_FLAGS else frozenset()
    if grade is None and not flags:
        return []
    shown = sorted(facts.risk_flags & (FLAG_GRADES.keys() | REPORT_FLAGS))
    return [Finding("risk_flag", grade, flags, figures={"flags": shown})]


def _keywords(hits: dict[str, tuple[str, ...]]) -> list[Finding]:
    """Words in the text: the major and hot lists grade it, the report list sends it to HQ."""
    grade = Grade.MAJOR if "major" in hits else Grade.HOT if "hot" in hits else None
    flags = frozenset({"hq_report"}) if "report" in hits else frozenset()
    if grade is None and not flags:
        return []
    words = sorted({w for name in ("major", "hot", "report") for w in hits.get(name, ())})
    return [Finding("keywords", grade, flags, figures={"keywords": words})]


def _crisis(facts: ComplaintFacts, hits: dict[str, tuple[str, ...]]) -> list[Finding]:
    """Harm with a compensation claim or an outside body (association, regulator, media) is a crisis."""
    harm = sorted(facts.risk_flags & HARM_FLAGS) + list(hits.get("crisis", ()))
    claim = sorted(facts.risk_flags & CLAIM_FLAGS) + [w for name in ("compensation", "major", "hot")
                                                      for w in hits.get(name, ())]
    if not harm or not claim:
        return []
    return [Finding("crisis", None, frozenset({"crisis"}), figures={"harm": harm, "claim": claim})]


def _batch(facts: ComplaintFacts, peers: list[ComplaintFacts], t: Thresholds,
           batch_sizes: Mapping[str, int]) -> list[Finding]:
    """The same problem from `batch_percent` % or more of a declared batch is a batch quality incident."""
    size = batch_sizes.get(facts.batch_key) if facts.batch_key else None
    if not size or facts.category_id is None:
        return []
    same = [c for c in peers if c.batch_key == facts.batch_key and c.category_id == facts.category_id]
    reports = len({_complainant(c) for c in same})
    if not batch_incidents({facts.batch_key: reports}, batch_sizes, t.batch_percent):
        return []
    figures = {"reports": reports, "batch_size": size, "batch": facts.batch_key,
               "percent": round(100 * reports / size, 1), "threshold_percent": t.batch_percent}
    return [Finding("batch", None, frozenset({"batch_incident"}), figures, tuple(c.id for c in same))]


def evaluate(facts: ComplaintFacts, history: Iterable[ComplaintFacts], thresholds: Thresholds, now: datetime,
             batch_sizes: Mapping[str, int] | None = None, cluster: list[Finding] | None = None) -> list[Finding]:
    """Every rule this complaint meets at `now`, given its tenant's other complaints and declared batches.

    `cluster`: the cluster rule's findings when the caller worked them out from its own count (the
    history then need not hold the category's neighbours); None: worked out from `history`."""
    if facts.kind != Kind.COMPLAINT:
        return []
    t = thresholds
    peers = _peers(facts, history, now)
    hits = keyword_hits(facts.text, t)
    clustered = _cluster(facts, peers, t) if cluster is None else cluster
    return [*_repeat(facts), *_outside_support(facts), *clustered, *_collective(facts, t),
            *_unresolved(facts, t), *_risk_flags(facts), *_keywords(hits), *_crisis(facts, hits),
            *_batch(facts, peers, t, batch_sizes or {})]


def target_grade(current: str, findings: Iterable[Finding]) -> str:
    """The highest of the current grade and the findings' grades: rules upgrade, they never downgrade."""
    grades = [Grade(current), *(Grade(f.grade) for f in findings if f.grade)]
    return max(grades, key=grade_rank)


def upgrade_reasons(current: str, findings: Iterable[Finding]) -> list[Finding]:
    """The findings that lift the grade above `current` to the target: the ones the upgrade event names."""
    findings = list(findings)
    target = target_grade(current, findings)
    if target == Grade(current):
        return []
    return [f for f in findings if f.grade == target]


def batch_incidents(reports_by_batch: Mapping[str, int], batch_sizes: Mapping[str, int],
                    percent: float) -> list[str]:
    """The declared batches where reports reach `percent` % of the batch size, in key order."""
    share = Fraction(str(percent)) / 100  # exact, so 5 of 100 at 5 % fires and float error cannot hide it
    return sorted(key for key, reports in reports_by_batch.items()
                  if batch_sizes.get(key, 0) > 0 and reports > 0 and reports >= share * batch_sizes[key])


def downgrade_problems(current: str, new: str, reason: str | None,
                       approver_can_approve: Iterable[str]) -> dict[str, str]:
    """Why a downgrade is refused (field -> message id): it needs a reason and the higher grade's approver."""
    grades = {str(g) for g in Grade}
    if current not in grades or new not in grades:
        return {"grade": "unknown_grade"}
    problems = {}
    if grade_rank(new) >= grade_rank(current):
        problems["grade"] = "not_a_downgrade"
    if not (reason or "").strip():
        problems["reason"] = "required"
    if current not in {str(g) for g in approver_can_approve}:
        problems["approver"] = "approver_not_allowed_for_grade"
    return problems
