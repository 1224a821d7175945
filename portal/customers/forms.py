"""Forms of the customer privacy pages: export, erasure, the retention setting."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from .. import privacy
from ..forms import Form, options


class ExportForm(Form):
    fmt = SelectField(_l("Format"), choices=options({"zip": _l("Zip: data and files"), "json": _l("JSON: data only")}),
                      default="zip")


class EraseForm(Form):
    confirm = BooleanField(_l("I understand that the customer's personal data and files are erased for good"),
                           validators=[DataRequired(message=_l("Tick the box to confirm the erasure."))])


class PrivacySettingsForm(Form):
    version = HiddenField()
    retention_months = IntegerField(
        _l("Months a customer's personal data is kept after their last complaint closed"),
        validators=[InputRequired(), NumberRange(min=privacy.MIN_RETENTION_MONTHS, max=privacy.MAX_RETENTION_MONTHS)])
