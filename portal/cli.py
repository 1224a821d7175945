"""Command-line verbs: `flask --app wsgi db upgrade|status|create`, seed-demo, create-user, unlock-user,
reset-password, worker, backup, calendar-check."""
import os
import sys

import click
from flask import current_app
from playhouse.migrations import Runner
from playhouse.schema_diff import diff_models

from .db import database

MIGRATIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def runner() -> Runner:
    return Runner(database.obj, MIGRATIONS)


def upgrade() -> list[str]:
    """Apply every pending migration; returns their names."""
    with database.connection_context():
        return runner().up()


def register(app) -> None:
    db_group = click.Group("db", help="Database schema: upgrade, status, create.")

    @db_group.command("upgrade")
    def db_upgrade():
        """Apply pending migrations."""
        applied = upgrade()
        click.echo("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))

    @db_group.command("status")
    def db_status():
        """List migrations and whether each is applied."""
        with database.connection_context():
            for m in runner().status():
                click.echo(f"{'x' if m.applied else ' '} {m.name}")

    @db_group.command("create")
    @click.argument("name")
    def db_create(name):
        """Write the next migration from the difference between the models and the database."""
        from playhouse.migrations import template

        from .models import ALL_MODELS
        with database.connection_context():
            diff = diff_models(database.obj, ALL_MODELS)
            if not diff:
                click.echo("models and database agree: nothing to write")
                return
            click.echo(runner().create(name, template(diff)))

    app.cli.add_command(db_group)

    @app.cli.command("seed-demo")
    def seed_demo():
        """Create the demo tenants, users and complaints (refused in production)."""
        if current_app.config["KESU_ENV"] == "production":
            click.echo("seed-demo refuses to run with KESU_ENV=production", err=True)
            sys.exit(1)
        from . import demo, demo_complaints, demo_work_orders
        with database.connection_context():
            if demo.is_seeded():
                click.echo("demo data already present")
            else:
                emails = demo.seed(current_app.config["PASSWORD_HASH_METHOD"])
                click.echo(f"seeded {len(emails)} demo users (password {demo.DEMO_PASSWORD})")
            # Idempotent per tenant, so a database seeded before the demo complaints existed gets them too.
            added = demo_complaints.seed()
            dispatched = demo_work_orders.seed()  # after the complaints: idempotent per work order
        if added:
            click.echo("seeded demo complaints: " + ", ".join(f"{slug} {n}" for slug, n in added.items()))
        if dispatched:
            click.echo("seeded demo work orders: " + ", ".join(f"{slug} {n}" for slug, n in dispatched.items()))

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
    @click.option("--tenant", help="tenant slug to join")
    @click.option("--role", default="tenant_admin", help="role key in that tenant")
    @click.option("--hq", help="network slug whose headquarters to join")
    def create_user_cmd(email, name, password, tenant, role, hq):
        """Create a user, optionally in a tenant (with a role) or at a network's HQ."""
        from .accounts.actions import create_user
        from .accounts.rules import password_problems
        from .tenancy.actions import add_hq_member, add_member
        from .events import EventKind, record
        from .scope import SYSTEM, for_network, for_tenant, scoped
        from .tenancy.models import Network, Tenant
        problems = password_problems(password, email)
        if problems:
            raise click.BadParameter(", ".join(problems), param_hint="--password")
        with database.connection_context(), database.atomic():
            user = create_user(email, name, password, method=current_app.config["PASSWORD_HASH_METHOD"])
            created = {"name": user.name, "email": user.email, "active": True}
            # Each place the account joins shows in its audit log who was added, and how.
            if tenant:
                membership = add_member(Tenant.get(Tenant.slug == tenant), user, role)
                with scoped(for_tenant(membership.tenant)):
                    record(EventKind.USER_CREATED, "user", user.id, None, tenant=membership.tenant,
                           actor_label="command line", after={**created, "role": role})
            if hq:
                hq_member = add_hq_member(Network.get(Network.slug == hq), user)
                with scoped(for_network(hq_member.network)):
                    record(EventKind.USER_CREATED, "user", user.id, None, network=hq_member.network,
                           actor_label="command line", after={**created, "hq_level": hq_member.level})
            if not tenant and not hq:
                with scoped(SYSTEM):  # no workspace yet: the system's log records the account
                    record(EventKind.USER_CREATED, "user", user.id, None, actor_label="command line", after=created)
        click.echo(f"created {user.email}")

    def account(email):
        """The account with this e-mail, or a clear refusal (exit status 2)."""
        from .accounts.models import User
        user = User.get_or_none(User.email == email.strip().lower())
        if user is None:
            raise click.BadParameter(f"no account has the e-mail {email}", param_hint="--email")
        return user

    @app.cli.command("unlock-user")
    @click.option("--email", required=True)
    def unlock_user_cmd(email):
        """Unlock an account locked by failed sign-ins (also one at HQ only or with no workspace)."""
        from .accounts.actions import unlock
        with database.connection_context():
            user = account(email)
            done = unlock(user, "command line")
        click.echo(f"unlocked {user.email}" if done
                   else f"{user.email} was not locked; its failed sign-ins are forgiven")

    @app.cli.command("reset-password")
    @click.option("--email", required=True)
    @click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True)
    def reset_password_cmd(email, password):
        """Set a new password for an account: unlocks it and ends its sessions."""
        from flask_babel import force_locale

        from .accounts.actions import reset_password
        from .accounts.messages import password_messages
        from .accounts.rules import password_problems
        with database.connection_context():
            user = account(email)
            problems = password_problems(password, user.email)
            if problems:
                with force_locale("en"):
                    raise click.BadParameter(" ".join(str(m) for m in password_messages(problems)),
                                             param_hint="--password")
            reset_password(user, password, "command line", current_app.config["PASSWORD_HASH_METHOD"])
        click.echo(f"new password set for {user.email}; unlocked, sessions ended")

    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True)
    def worker(workers):
        """Run the background worker (outbox delivery, sweeps) until interrupted."""
        from .jobs import run_worker
        run_worker(current_app._get_current_object(), workers)

    @app.cli.command("backup")
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--overwrite", is_flag=True, help="replace PATH if it exists")
    def backup_cmd(path, overwrite):
        """Copy the database to PATH while the portal runs (SQLite online backup, or pg_dump)."""
        from .backup import BackupError, backup
        try:
            click.echo(backup(current_app.config["DATABASE_URL"], path, overwrite))
        except BackupError as exc:
            click.echo(f"backup failed: {exc}", err=True)
            sys.exit(1)

    @app.cli.command("calendar-check")
    def calendar_check():
        """List active tenants whose deadlines may reach a year their region's holiday source does not know
        (exit status 1 while one of them has entered no closure days for it)."""
        from .db import now
        from .scope import SYSTEM, scoped
        from .sla.calendar import known_years
        from .sla.coverage import gaps
        from .sla.settings import calendar_for
        from .tenancy.models import Tenant, TenantStatus
        unprepared = 0
        with database.connection_context(), scoped(SYSTEM):
            for tenant in Tenant.select().where(Tenant.status == TenantStatus.ACTIVE).order_by(Tenant.slug):
                cal = calendar_for(tenant)
                for gap in gaps(cal, now()):
                    unprepared += not gap.entered
                    click.echo(f"{tenant.slug} ({cal.region}): {gap.year} unknown to the holiday source; "
                               f"{gap.closed} closure and {gap.working} working days entered for it")
        spans = (f"{r} {y[0]}-{y[-1]}" if y else f"{r} none" for r in ("CN", "HK") for y in [known_years(r)])
        click.echo("holiday sources know: " + ", ".join(spans))
        if unprepared:
            sys.exit(1)

    @app.cli.command("sweep")
    def sweep():
        """Run one round of periodic work now (mail delivery and sweeps)."""
        from .jobs import run_periodic
        click.echo(run_periodic(current_app._get_current_object()))
