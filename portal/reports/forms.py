"""The analysis form every report carries: a draft until it is submitted."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SubmitField, TextAreaField
from wtforms.validators import Length

from ..forms import Form


class AnalysisForm(Form):
    """Analysis and corrective actions (原因分析及整改措施), written by the tenant."""

    analysis = TextAreaField(_l("Analysis and corrective actions"),
                             validators=[Length(max=20000, message=_l("At most %(max)d characters."))],
                             description=_l("What the figures show, the causes, and what will change."))
    version = HiddenField(default="0")
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit to headquarters"))
