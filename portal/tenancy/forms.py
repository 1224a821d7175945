"""Forms of the tenant administration pages; choices come from the scoped workspace data."""
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, EmailField, IntegerField, PasswordField, SelectChoice, SelectField,
                     SelectMultipleField, StringField)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from ..forms import Form
from . import admin
from .rules import Permission

P = Permission
PERMISSION_LABELS = {
    P.COMPLAINT_VIEW: _l("See the complaint register and complaint files"),
    P.COMPLAINT_CREATE: _l("Log complaints, inquiries and repair requests"),
    P.COMPLAINT_ASSIGN: _l("Assign handlers"),
    P.COMPLAINT_INVESTIGATE: _l("Record the investigation and whether a complaint is valid"),
    P.COMPLAINT_TRANSFER: _l("Transfer complaints to a responsible department"),
    P.COMPLAINT_PLAN: _l("Propose the cause analysis and plan"),
    P.COMPLAINT_CUSTOMER: _l("Record the customer's opinion and publish to the customer"),
    P.COMPLAINT_IMPLEMENT: _l("Record the implementation"),
    P.COMPLAINT_CLOSE: _l("Close and reopen complaints, answer inquiries"),
    P.COMPLAINT_NOTE: _l("Add notes and attachments"),
    P.COMPLAINT_MERGE: _l("Link and merge complaints"),
    P.CUSTOMER_FULL: _l("See customers' names, phone numbers, e-mail and addresses in full (access is logged)"),
    P.CUSTOMER_PRIVACY: _l("Export a customer's data, erase it after the retention period"),
    P.REVISIT: _l("Revisit customers and record their satisfaction"),
    P.SUPERVISION: _l("Issue and follow supervision orders"),
    P.CRISIS: _l("Declare and run crisis files"),
    P.APPROVE: _l("Approve plans and downgrades"),
    P.REPORTS_VIEW: _l("View reports"),
    P.REPORTS_SUBMIT: _l("Submit reports to headquarters"),
    P.CASES: _l("Manage the case library"),
    P.ADMIN_USERS: _l("Manage users: add, deactivate, reset passwords"),
    P.ADMIN_ROLES: _l("Manage roles and their permissions"),
    P.ADMIN_SETTINGS: _l("Manage departments, categories and settings"),
    P.ADMIN_AUDIT: _l("See the outbox and the audit log"),
}
NAME = [DataRequired(message=_l("Enter a name.")),
        Length(max=80, message=_l("At most %(max)d characters."))]
OUT_OF_DATE = _l("This form is out of date. Reload the page and try again.")
NOT_A_ROLE = _l("Choose one of this workspace's roles.")
NOT_A_LEADER = _l("Choose the leader among this workspace's active members.")


def permission_labels(values) -> list:
    """Readable labels of stored permission values, in the order of the Permission enum."""
    return [PERMISSION_LABELS.get(p, p.value) for p in Permission if p.value in values]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes; works without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _version_field():
    return IntegerField(widget=HiddenInput(), validators=[InputRequired(message=OUT_OF_DATE)])


def _role_field():
    return SelectField(_l("Role"), coerce=int, invalid_choice_message=NOT_A_ROLE,
                       invalid_value_message=NOT_A_ROLE)


def _role_choices():
    return [SelectChoice(role.id, role.name) for role in admin.roles()]


def _leader_choices():
    people = [SelectChoice(m.user.id, f"{m.user.name} <{m.user.email}>") for m in admin.active_members()]
    return [SelectChoice(0, _l("(no leader)"))] + people


class NewUserForm(Form):
    """Add a person to the workspace."""

    name = StringField(_l("Name"), validators=NAME)
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(message=_l("Enter an e-mail address.")),
        Email(message=_l("Enter a valid e-mail address, like name@example.com.")),
        Length(max=254, message=_l("At most %(max)d characters."))])
    role = _role_field()
    password = PasswordField(_l("Initial password"), validators=[Optional(), Length(max=200)],
                             description=_l("If the e-mail address already has an account, that "
                                            "person keeps their own name and password."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class MemberRoleForm(Form):
    """Give a member another role."""

    role = _role_field()
    version = _version_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class MemberStatusForm(Form):
    """Deactivate or reactivate a member."""

    version = _version_field()


class PasswordForm(Form):
    """Set a new password for a member."""

    password = PasswordField(_l("New password"), validators=[
        DataRequired(message=_l("Enter the new password.")), Length(max=200)])
    version = _version_field()


class RoleForm(Form):
    """A role: a name and its permissions."""

    name = StringField(_l("Name"), validators=NAME)
    permissions = MultiCheckboxField(_l("Permissions"), choices=[
        SelectChoice(p.value, PERMISSION_LABELS.get(p, p.value)) for p in Permission],
        invalid_choice_message=_l("Unknown permission: %(value)s."))


class RoleEditForm(RoleForm):
    version = _version_field()


class DepartmentForm(Form):
    """A responsible department and its leader."""

    name = StringField(_l("Name"), validators=NAME)
    leader = SelectField(_l("Leader"), coerce=int, invalid_choice_message=NOT_A_LEADER,
                         invalid_value_message=NOT_A_LEADER)
    active = BooleanField(_l("Active"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.leader.choices = _leader_choices()


class DepartmentEditForm(DepartmentForm):
    version = _version_field()


class CategoryForm(Form):
    """A category of complaint."""

    name = StringField(_l("Name"), validators=NAME)
    position = IntegerField(_l("Position"), validators=[
        InputRequired(message=_l("Enter a position number.")),
        NumberRange(min=0, max=9999, message=_l("Enter a number from %(min)s to %(max)s."))],
        description=_l("Categories are listed in this order."))
    active = BooleanField(_l("Active"), default=True)


class CategoryEditForm(CategoryForm):
    version = _version_field()


def values(row) -> dict:
    """A row's saved values as form data."""
    data = dict(row.__data__)
    if "permissions" in data:
        data["permissions"] = sorted((data["permissions"] or "").split())
    if "leader" in data:
        data["leader"] = data["leader"] or 0
    return data


def add_error(form, field: str | None, *messages) -> None:
    """Show an action's refusal next to its field, or above the form."""
    target = getattr(form, field, None) if field else None
    errors = target.errors if target is not None else form.form_errors
    errors.extend(messages)
