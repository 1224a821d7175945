"""Tenant administration: users, roles, departments, categories."""
import json

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..access import can, get_or_404, requires, tenant_blueprint
from ..forms import invalid_status
from ..htmx import is_htmx, render
from ..tenancy.rules import Permission
from . import admin, forms
from .models import Category, Department, Membership, Role

bp = tenant_blueprint("admin", __name__, "/admin")
P = Permission
AREAS = (P.ADMIN_USERS, P.ADMIN_ROLES, P.ADMIN_SETTINGS, P.ADMIN_AUDIT)


def _actor():
    return current_user._get_current_object()


def _done(message: str, endpoint: str, **values):
    """After a change: 303 to the page that shows it (HTMX is told to load it instead)."""
    flash(message)
    url = url_for(endpoint, **values)
    if not is_htmx():
        return redirect(url, code=303)
    response = make_response("", 204)
    response.headers["HX-Location"] = json.dumps(
        {"path": url, "target": "#main", "select": "#main", "swap": "outerHTML"})
    return response


def _submit(form, change, show, message, endpoint, **values):
    """Validate, run one action, answer 303; 422 re-renders refusals, 409 shows the saved values."""
    if not form.validate_on_submit():
        return show(form, invalid_status(form))
    try:
        change()
    except admin.Invalid as refused:
        forms.add_error(form, refused.field, *refused.messages)
        return show(form, 422)
    except admin.Stale as stale:
        return show(None, 409, current=stale.current)
    return _done(message, endpoint, **values)


def _form_page(cls, title: str, back: str):
    """A renderer of the generic admin form page (a conflict refills the form from the saved row)."""
    def show(form, status, current=None):
        if current is not None:
            form = cls(formdata=None, data=forms.values(current))
        return render("admin/form.html", "admin/_form.html", status=status, form=form,
                      title=title, back=back, conflict=current is not None)
    return show


def _version(form):
    """The version the form showed (None on a form that creates a row)."""
    return form.version.data if "version" in form else None


def _edit_form(cls, row):
    """The posted form, or on GET the form filled from the row."""
    return cls() if request.method == "POST" else cls(data=forms.values(row))


@bp.get("/")
def index():
    """The administration overview: a link to every section the user may manage."""
    if not any(can(p) for p in AREAS):
        abort(403)
    return render("admin/index.html")


# ---- users ---------------------------------------------------------------------------------

@bp.get("/users")
@requires(P.ADMIN_USERS)
def users():
    """Members of this workspace: name, e-mail, role, active."""
    return render("admin/users.html", members=admin.members())


@bp.route("/users/new", methods=["GET", "POST"])
@requires(P.ADMIN_USERS)
def new_user():
    """Add a person: a new account, or an existing account found by its e-mail address."""
    form = forms.NewUserForm()

    def change():
        role = get_or_404(Role, form.role.data)
        admin.create_member(_actor(), g.tenant, name=form.name.data, email=form.email.data,
                            role=role, password=form.password.data)
    show = _form_page(forms.NewUserForm, _("Add a user"), "admin.users")
    return _submit(form, change, show, _("The user was added."), "admin.users")


def _member_page(member, status=200, conflict=False, **posted):
    """One member with the forms to change role, deactivate or reactivate, and reset password."""
    version = {"version": member.user.version}
    context = {"role_form": forms.MemberRoleForm(formdata=None, data={"role": member.role_id, **version}),
               "status_form": forms.MemberStatusForm(formdata=None, data=version),
               "password_form": forms.PasswordForm(formdata=None, data=version)}
    context.update(posted)
    return render("admin/member.html", "admin/_member.html", status=status, member=member,
                  conflict=conflict, **context)


def _member_show(member, slot: str):
    """A renderer of the member page showing the posted form in its slot (all fresh on a conflict)."""
    def show(form, status, current=None):
        if current is not None:
            return _member_page(get_or_404(Membership, member.id), status, conflict=True)
        return _member_page(member, status, **{slot: form})
    return show


@bp.get("/users/<int:member_id>")
@requires(P.ADMIN_USERS)
def member(member_id):
    """One member of the workspace and what an admin may change about them."""
    return _member_page(get_or_404(Membership, member_id))


@bp.post("/users/<int:member_id>/role")
@requires(P.ADMIN_USERS)
def change_role(member_id):
    """Give a member another role."""
    m, form = get_or_404(Membership, member_id), forms.MemberRoleForm()

    def change():
        admin.change_role(_actor(), m, get_or_404(Role, form.role.data), form.version.data)
    return _submit(form, change, _member_show(m, "role_form"), _("The role was changed."),
                   "admin.member", member_id=m.id)


@bp.post("/users/<int:member_id>/<any(deactivate, reactivate, unlock):verb>")
@requires(P.ADMIN_USERS)
def set_active(member_id, verb):
    """Deactivate a member (their sessions end), reactivate them, or unlock their locked account."""
    m, form = get_or_404(Membership, member_id), forms.MemberStatusForm()
    action, message = {
        "deactivate": (admin.deactivate_member, _("The user was deactivated.")),
        "reactivate": (admin.reactivate_member, _("The user was reactivated.")),
        "unlock": (admin.unlock_member, _("The account was unlocked.")),
    }[verb]
    return _submit(form, lambda: action(_actor(), m, form.version.data),
                   _member_show(m, "status_form"), message, "admin.member", member_id=m.id)


@bp.post("/users/<int:member_id>/password")
@requires(P.ADMIN_USERS)
def reset_password(member_id):
    """Set a new password for a member; unlocks them and ends their sessions."""
    m, form = get_or_404(Membership, member_id), forms.PasswordForm()

    def change():
        admin.reset_password(_actor(), m, form.password.data, form.version.data)
    return _submit(form, change, _member_show(m, "password_form"), _("The password was reset."),
                   "admin.member", member_id=m.id)


# ---- roles ---------------------------------------------------------------------------------

@bp.get("/roles")
@requires(P.ADMIN_ROLES)
def roles():
    """The workspace's roles and their permissions."""
    return render("admin/roles.html", roles=admin.roles(), labels=forms.permission_labels)


@bp.route("/roles/new", methods=["GET", "POST"])
@requires(P.ADMIN_ROLES)
def new_role():
    """Add a role."""
    form = forms.RoleForm()

    def change():
        admin.create_role(_actor(), g.tenant, name=form.name.data, permissions=form.permissions.data)
    show = _form_page(forms.RoleForm, _("New role"), "admin.roles")
    return _submit(form, change, show, _("The role was created."), "admin.roles")


@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
@requires(P.ADMIN_ROLES)
def edit_role(role_id):
    """Rename a role or change its permissions."""
    role = get_or_404(Role, role_id)
    form = _edit_form(forms.RoleEditForm, role)

    def change():
        admin.edit_role(_actor(), role, name=form.name.data, permissions=form.permissions.data,
                        version=form.version.data)
    show = _form_page(forms.RoleEditForm, _("Edit role"), "admin.roles")
    return _submit(form, change, show, _("The role was saved."), "admin.roles")


# ---- departments and categories ------------------------------------------------------------

@bp.get("/departments")
@requires(P.ADMIN_SETTINGS)
def departments():
    """Responsible departments and their leaders."""
    return render("admin/departments.html", departments=admin.departments())


def _leader(form):
    """The chosen leader, loaded through the workspace's active members (404 for anyone else)."""
    if not form.leader.data:
        return None
    member = admin.active_member(form.leader.data)
    if member is None:
        abort(404)
    return member.user


@bp.route("/departments/new", methods=["GET", "POST"], defaults={"department_id": None})
@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
@requires(P.ADMIN_SETTINGS)
def department(department_id):
    """Add or edit a responsible department."""
    row = get_or_404(Department, department_id) if department_id else None
    cls = forms.DepartmentEditForm if row else forms.DepartmentForm
    form = _edit_form(cls, row) if row else cls()

    def change():
        admin.save_department(_actor(), g.tenant, row, name=form.name.data, leader=_leader(form),
                              active=form.active.data, version=_version(form))
    title = _("Edit department") if row else _("New department")
    return _submit(form, change, _form_page(cls, title, "admin.departments"),
                   _("The department was saved."), "admin.departments")


@bp.get("/categories")
@requires(P.ADMIN_SETTINGS)
def categories():
    """The configurable list of complaint categories."""
    return render("admin/categories.html", categories=admin.categories())


@bp.route("/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@requires(P.ADMIN_SETTINGS)
def category(category_id):
    """Add or edit a category of complaint."""
    row = get_or_404(Category, category_id) if category_id else None
    cls = forms.CategoryEditForm if row else forms.CategoryForm
    form = _edit_form(cls, row) if row else cls(data={"position": admin.next_category_position()})

    def change():
        admin.save_category(_actor(), g.tenant, row, name=form.name.data, position=form.position.data,
                            active=form.active.data, version=_version(form))
    title = _("Edit category") if row else _("New category")
    return _submit(form, change, _form_page(cls, title, "admin.categories"),
                   _("The category was saved."), "admin.categories")
