"""Support requests (DOMAIN.md §6) as pure rules: what a parts or technical request must hold.

No Flask, no peewee.
"""
import enum

MAX_LINES = 6  # a parts request to the parts centre names at most six parts


class Kind(enum.StrEnum):
    PARTS = "parts"  # the parts centre: part name, number, quantity
    TECHNICAL = "technical"  # the carmaker's technical support: a description and files


class Status(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"  # the part arrived, or guidance came back


def blank_line(line: dict) -> bool:
    return not any(str(line.get(k) or "").strip() for k in ("part_name", "part_number", "quantity"))


def line_problems(lines: list[dict]) -> dict[str, tuple[str, dict]]:
    """Why these part lines are refused: (message id, values) per field; blank lines are ignored.

    Keys are "lines" for the whole list and "lines-<i>-<field>" for one line (i counts from 0).
    """
    filled = [(i, line) for i, line in enumerate(lines) if not blank_line(line)]
    if not filled:
        return {"lines": ("at_least_one_part", {})}
    if len(filled) > MAX_LINES:
        return {"lines": ("too_many_lines", {"max": MAX_LINES, "count": len(filled)})}
    problems = {}
    for i, line in filled:
        for name in ("part_name", "part_number"):
            if not str(line.get(name) or "").strip():
                problems[f"lines-{i}-{name}"] = ("line_field_required", {"line": i + 1})
        quantity = line.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            problems[f"lines-{i}-quantity"] = ("quantity_positive", {"line": i + 1})
    return problems


def request_problems(kind: str, description: str, lines: list[dict]) -> dict[str, tuple[str, dict]]:
    if kind not in set(Kind):
        return {"kind": ("invalid_choice", {})}
    if kind == Kind.PARTS:
        return line_problems(lines)
    return {} if (description or "").strip() else {"description": ("describe_the_problem", {})}


def answer_problems(status: str, answer: str) -> dict[str, tuple[str, dict]]:
    if status != Status.OPEN:
        return {"__all__": ("already_answered", {})}
    return {} if (answer or "").strip() else {"answer": ("required", {})}
