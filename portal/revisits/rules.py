"""Revisits (回访, DOMAIN.md §3 steps 6–7, §5, §8) as pure rules: checklists, answers, outcomes, retries.

No Flask, no peewee: the verbs in `actions.py` hand plain values in and get decisions back.
"""
import enum
from dataclasses import dataclass

from ..complaints.rules import SATISFACTION, SATISFIED  # noqa: F401  (one scale for every door)

SCALE = range(1, 6)  # a 1–5 scale answer
TEXT_MAX = 2000
COMMENT_MAX = 5000
MAX_ATTEMPTS_PER_CALL = 20  # dials recorded at once; more is a typing error


class AnswerType(enum.StrEnum):
    YES_NO = "yes_no"
    SCALE = "scale"  # 1 (poor) … 5 (excellent)
    TEXT = "text"


class Section(enum.StrEnum):
    SCRIPT = "script"  # the questions asked on the phone
    CHECKLIST = "checklist"  # the service checklist ticked with the customer


class TaskStatus(enum.StrEnum):
    OPEN = "open"  # to call (again)
    DONE = "done"  # the customer answered
    UNREACHABLE = "unreachable"  # given up after the tenant's number of unreachable calls
    CANCELLED = "cancelled"  # the complaint was closed another way (merged)


class Outcome(enum.StrEnum):
    CLOSED = "closed"  # satisfied: the complaint closes (结案)
    REOPENED = "reopened"  # not satisfied: back to the responsible department (step 3)
    SECOND_REVISIT = "second_revisit"  # crisis: satisfied at the first revisit, a second one follows


class Source(enum.StrEnum):
    REVISIT_FORM = "revisit_form"  # staff, through the revisit form with the checklist
    COMPLAINT_PAGE = "complaint_page"  # staff, through the step form on the complaint
    CUSTOMER_LINK = "customer_link"  # the customer's own survey on the status link


OPEN_STATUSES = frozenset({TaskStatus.OPEN, TaskStatus.UNREACHABLE})  # an answer may still come
SHOW = ["open", "due", "overdue", "unreachable", "done"]  # the queue's filters


@dataclass(frozen=True)
class Item:
    """One question as it is asked: what the template says now, or what a past revisit stored."""

    key: str  # the form field / problem key, e.g. "item_12"
    text: str
    answer_type: str
    required: bool
    section: str = Section.CHECKLIST


# --- default checklists (DOMAIN.md §8); tenant data, so in the tenant's language -------------------

# (section, text, required, answer type)
_SCRIPT = [
    (Section.SCRIPT, "{subject}现在使用是否正常？", True, AnswerType.YES_NO),  # performing normally?
    (Section.SCRIPT, "您对服务人员是否满意？", True, AnswerType.SCALE),  # satisfied with the staff?
    (Section.SCRIPT, "还有什么不清楚的地方吗？", False, AnswerType.TEXT),  # anything unclear?
    (Section.SCRIPT, "您有什么意见和建议？", False, AnswerType.TEXT),  # opinions and suggestions
]
DEALER_CHECKLIST = [
    "服务人员着装整洁，使用规范用语",  # neatly dressed, standard language
    "没有与您争吵、讽刺或辱骂",  # no arguing, sarcasm or abuse
    "维修按时完工",  # repair finished on time
    "按规定收费，没有额外收费",  # charged only as regulated
    "向您说明了车辆使用与保养注意事项",  # explained care and maintenance
    "对维修质量满意",  # satisfied with the repair quality
    "维修后车辆已清洁",  # vehicle cleaned after the repair
    "离店时礼貌道别",  # polite goodbye
]
PROPERTY_CHECKLIST = [
    "工作人员着装整洁，使用规范用语",
    "没有与您争吵、讽刺或辱骂",
    "维修/处理按约定时间完成",  # work finished at the agreed time
    "按规定收费，没有额外收费",
    "向您说明了使用与维护注意事项",  # explained use and upkeep
    "对维修/处理质量满意",
    "完工后现场已清理干净",  # site cleaned up after the work
    "离开时礼貌道别",
]


def default_items(kind: str) -> list[tuple]:
    """The checklist a new tenant starts with: the phone script, then the service checklist."""
    subject, checklist = ("维修的房屋/设施", PROPERTY_CHECKLIST) if kind == "property" else ("车辆", DEALER_CHECKLIST)
    script = [(s, text.format(subject=subject), req, t) for s, text, req, t in _SCRIPT]
    return script + [(Section.CHECKLIST, text, True, AnswerType.YES_NO) for text in checklist]


# --- answers ----------------------------------------------------------------------------------

def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_answer(answer_type: str, raw):
    """The stored value of one answer ("yes"/"no", "1".."5", text), None when blank; ValueError when invalid."""
    if _blank(raw):
        return None
    text = str(raw).strip()
    if answer_type == AnswerType.YES_NO:
        if text not in ("yes", "no"):
            raise ValueError("invalid_choice")
        return text
    if answer_type == AnswerType.SCALE:
        if not text.isdigit() or int(text) not in SCALE:
            raise ValueError("invalid_choice")
        return text
    if len(text) > TEXT_MAX:
        raise ValueError("too_long")
    return text


def check_answers(items: list[Item], answers: dict) -> tuple[dict, dict]:
    """(values by key, problems by key): every required item answered, every answer valid for its type."""
    values, problems = {}, {}
    for item in items:
        try:
            values[item.key] = parse_answer(item.answer_type, answers.get(item.key))
        except ValueError as err:
            problems[item.key] = [str(err)]
            continue
        if item.required and values[item.key] is None:
            problems[item.key] = ["required"]
    return values, problems


def check_record(reached, satisfaction, attempts, comment, items: list[Item], answers: dict) -> tuple[dict, dict]:
    """Why a revisit record is refused (field -> [problem]), and the parsed answers when reached."""
    problems = {}
    if not isinstance(reached, bool):
        problems["reached"] = ["required"]
    if not isinstance(attempts, int) or isinstance(attempts, bool) or not 1 <= attempts <= MAX_ATTEMPTS_PER_CALL:
        problems["attempts"] = ["attempts_out_of_range"]
    if comment is not None and len(comment) > COMMENT_MAX:
        problems["comment"] = ["too_long"]
    if reached is not True:
        return {}, problems
    if _blank(satisfaction):
        problems["satisfaction"] = ["required"]
    elif satisfaction not in SATISFACTION:
        problems["satisfaction"] = ["invalid_choice"]
    values, item_problems = check_answers(items, answers)
    problems.update(item_problems)
    return values, problems


# --- outcomes ---------------------------------------------------------------------------------

def outcome(satisfaction: str, crisis: bool, round_: int) -> Outcome:
    """What an answered revisit does: close, reopen, or (crisis, first round, satisfied) ask again."""
    if satisfaction not in SATISFIED:
        return Outcome.REOPENED
    if crisis and round_ < 2:
        return Outcome.SECOND_REVISIT
    return Outcome.CLOSED


def may_close(crisis: bool, round_: int | None, satisfaction: str) -> bool:
    """Whether a satisfied survey may close the complaint now: a crisis needs its second revisit first.

    `round_` is the round of the revisit being answered (None: no revisit task is known).
    """
    return satisfaction not in SATISFIED or not crisis or round_ is None or round_ >= 2


def gives_up(unreachable_count: int, max_unreachable: int) -> bool:
    """After this many unreachable calls the revisit is marked unreachable and the leader told."""
    return unreachable_count >= max(int(max_unreachable), 1)

