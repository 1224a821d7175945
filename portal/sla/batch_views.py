"""Declared batches and building phases (for batch quality incidents), edited by the tenant admin."""
from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import IntegrityError
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from .. import events
from ..access import get_or_404, requires
from ..db import atomic
from ..events import EventKind
from ..forms import Form, options
from ..htmx import render
from ..tenancy.rules import Permission as P
from .models import Batch
from .settings_views import bp


class BatchForm(Form):
    key = StringField(_l("Batch number / phase"), validators=[DataRequired(), Length(max=40),
                                                                Regexp(r"^[^\s]+$", message=_l("No spaces."))])
    name = StringField(_l("Description"), validators=[DataRequired(), Length(max=120)])
    kind = SelectField(_l("Kind"), choices=options({"product": _l("Product batch"),
                                                    "building_phase": _l("Building phase")}))
    size = IntegerField(_l("Size (vehicles or units)"), validators=[DataRequired(), NumberRange(min=1, max=10_000_000)])


@bp.route("/batches", methods=["GET", "POST"])
@requires(P.ADMIN_SETTINGS)
def batches():
    form = BatchForm()
    if form.validate_on_submit():
        try:
            with atomic():
                batch = Batch.create(tenant=g.tenant, key=form.key.data.strip(), name=form.name.data.strip(),
                                     kind=form.kind.data, size=form.size.data)
                events.record(EventKind.SETTINGS_CHANGED, "batch", batch.id, g.user, tenant=g.tenant,
                              after={"key": batch.key, "name": batch.name, "size": batch.size}, data={"group": "batches"})
        except IntegrityError:
            form.key.errors.append(_("This batch number is already declared."))
        else:
            flash(_("Batch declared."), "success")
            return redirect(url_for("settings.batches"), code=303)
    rows = Batch.select().order_by(Batch.active.desc(), Batch.key)
    return render("settings/batches.html", form=form, rows=rows, status=422 if form.errors else 200)


@bp.post("/batches/<int:bid>/toggle")
@requires(P.ADMIN_SETTINGS)
def toggle_batch(bid):
    batch = get_or_404(Batch, bid)
    with atomic():
        Batch.update(active=not batch.active).where(Batch.id == batch.id).execute()
        events.record(EventKind.SETTINGS_CHANGED, "batch", batch.id, g.user, tenant=g.tenant,
                      before={"active": batch.active}, after={"active": not batch.active}, data={"group": "batches"})
    return redirect(url_for("settings.batches"), code=303)
