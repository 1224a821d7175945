"""Choices of selects, radios and checkbox lists: built as WTForms' SelectChoice (choices as tuples go
in WTForms 3.4), rendered as before, and never set as tuples at run time, which WTForms 3.3 does not warn about."""
import ast
from pathlib import Path

from werkzeug.datastructures import MultiDict
from wtforms import Form, RadioField, SelectField, SelectMultipleField

from portal.forms import options

ROOT = Path(__file__).resolve().parent.parent


class Choosing(Form):
    who = SelectField(coerce=int, choices=options([(0, "—"), (7, "Li <Wei>")]))
    lang = RadioField(choices=options({"en": "English", "zh_Hans": "简体中文"}))
    days = SelectMultipleField(coerce=int, choices=options({1: "Mon", 2: "Tue", 3: "Wed"}))


def test_options_render_the_same_html_as_pairs_did_with_the_chosen_ones_selected():
    form = Choosing(MultiDict([("who", "7"), ("lang", "zh_Hans"), ("days", "1"), ("days", "3")]))
    assert form.validate(), form.errors
    assert str(form.who) == ('<select id="who" name="who"><option value="0">—</option>'
                             '<option selected value="7">Li &lt;Wei&gt;</option></select>')
    assert '<input checked id="lang-1" name="lang" type="radio" value="zh_Hans">' in str(form.lang)
    assert [(c.value, c.selected) for c in form.days.iter_choices()] == [(1, True), (2, False), (3, True)]


def test_a_value_outside_the_options_is_refused():
    form = Choosing(MultiDict([("who", "8"), ("lang", "fr"), ("days", "9")]))
    assert not form.validate()
    assert set(form.errors) == {"who", "lang", "days"}


def test_choices_set_at_run_time_go_through_options():
    """`form.x.choices = [(1, "a")]` passes today without a warning and breaks with WTForms 3.4."""
    literal = (ast.List, ast.Tuple, ast.ListComp, ast.GeneratorExp, ast.BinOp, ast.Dict, ast.DictComp)
    found = []
    for path in sorted((ROOT / "portal").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "choices"
                                                    for t in node.targets):
                value = node.value
                pairs = isinstance(value, literal) or (isinstance(value, ast.Call) and isinstance(
                    value.func, ast.Name) and value.func.id in ("list", "tuple", "dict"))
                if pairs:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == [], "wrap these choices in portal.forms.options(...):\n" + "\n".join(found)
