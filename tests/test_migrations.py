"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import contextlib
import re
from pathlib import Path

import pytest
from peewee import ForeignKeyField, SqliteDatabase
from playhouse.reflection import Introspector
from playhouse.schema_diff import diff_models

from portal import create_app
from portal.cli import MIGRATIONS
from portal.db import database
from portal.models import ALL_MODELS
from tests.conftest import base_config, pg_scratch_database

MIGRATION_FILES = sorted(p.stem for p in Path(MIGRATIONS).glob("[0-9]*.py"))
# SQLite keeps booleans and big integers in INTEGER columns; reflection cannot tell them apart.
SQLITE_SAME = {"BooleanField": "IntegerField", "BigIntegerField": "IntegerField", "DoubleField": "FloatField"}  # SQLite REAL is 8 bytes


def schema_mismatches(db, models) -> list[str]:
    """What differs between the database and the models: tables, columns, types, NULL, keys, indexes."""
    problems = str(diff_models(db, models)).splitlines() if diff_models(db, models) else []
    reflected = Introspector.from_database(db).generate_models()
    same = SQLITE_SAME if isinstance(db, SqliteDatabase) else {}
    for model in models:
        table = model._meta.table_name
        if table not in reflected:
            continue  # reported by diff_models
        columns = {c.name: c for c in db.get_columns(table)}
        by_column = {f.column_name: f for f in reflected[table]._meta.sorted_fields}
        foreign = {fk.column: fk for fk in db.get_foreign_keys(table)}
        for field in model._meta.sorted_fields:
            name = f"{table}.{field.column_name}"
            column, found = columns.get(field.column_name), by_column.get(field.column_name)
            if column is None or found is None:
                continue  # reported by diff_models
            want, got = type(field).__name__, type(found).__name__
            if same.get(want, want) != same.get(got, got):
                problems.append(f"{name}: model {want}, database {got} ({column.full_type})")
            if column.null != field.null:
                problems.append(f"{name}: model null={field.null}, database null={column.null}")
            if column.primary_key != field.primary_key:
                problems.append(f"{name}: primary key differs")
            if getattr(field, "max_length", None) != getattr(found, "max_length", None):
                problems.append(f"{name}: model max_length={field.max_length}, database {column.full_type}")
            problems += _foreign_key_mismatch(name, field, foreign.get(field.column_name))
    return problems


def _foreign_key_mismatch(name, field, fk) -> list[str]:
    if not isinstance(field, ForeignKeyField):
        return [f"{name}: database has a foreign key the model lacks"] if fk else []
    if fk is None:
        return [f"{name}: foreign key missing in the database"]
    want = (field.rel_model._meta.table_name, field.rel_field.column_name, (field.on_delete or "NO ACTION").upper())
    got = (fk.dest_table, fk.dest_column, (fk.on_delete or "NO ACTION").upper())
    return [] if want == got else [f"{name}: model references {want}, database {got}"]


def test_the_migrated_schema_equals_the_models(app):
    with app.app_context():
        assert not diff_models(database.obj, ALL_MODELS), str(diff_models(database.obj, ALL_MODELS))
        assert schema_mismatches(database.obj, ALL_MODELS) == []


def test_db_status_shows_every_migration_applied(runner):
    result = runner.invoke(args=["db", "status"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"x {name}" for name in MIGRATION_FILES]


def test_a_second_upgrade_on_a_migrated_database_changes_nothing(app, runner):
    for _ in range(2):
        result = runner.invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert "nothing (up to date)" in result.output
    with app.app_context():
        assert not diff_models(database.obj, ALL_MODELS)


@contextlib.contextmanager
def empty_database(db_url, tmp_path):
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        with pg_scratch_database() as url:
            yield url


def test_an_empty_database_is_migrated_once_and_a_second_upgrade_is_a_no_op(app, db_url, tmp_path):
    with empty_database(db_url, tmp_path) as url:
        fresh = create_app(base_config(url, tmp_path))
        runner = fresh.test_cli_runner()
        first = runner.invoke(args=["db", "upgrade"])
        assert first.exit_code == 0, first.output
        assert first.output.strip() == "applied: " + ", ".join(MIGRATION_FILES)
        second = runner.invoke(args=["db", "upgrade"])
        assert second.exit_code == 0, second.output
        assert "nothing (up to date)" in second.output
        status = runner.invoke(args=["db", "status"])
        assert status.output.splitlines() == [f"x {name}" for name in MIGRATION_FILES]
        with fresh.app_context(), database.connection_context():
            assert schema_mismatches(database.obj, ALL_MODELS) == []


def test_migrations_are_numbered_in_sequence():
    numbers = [int(re.match(r"(\d+)_", name).group(1)) for name in MIGRATION_FILES]
    assert numbers == list(range(1, len(numbers) + 1))


def test_every_model_is_in_all_models_once_and_in_dependency_order():
    from peewee import sort_models

    assert len(set(ALL_MODELS)) == len(ALL_MODELS)
    position = {m: i for i, m in enumerate(ALL_MODELS)}
    for model in ALL_MODELS:
        for field in model._meta.refs:  # foreign keys: the referenced model comes first
            if field.rel_model is not model:
                assert position[field.rel_model] < position[model], (model.__name__, field.name)
    assert set(sort_models(ALL_MODELS)) == set(ALL_MODELS)


@pytest.mark.parametrize("name", MIGRATION_FILES)
def test_migrations_do_not_import_the_apps_models(name):
    # Models are frozen inline in each migration; importing them would rewrite history.
    source = (Path(MIGRATIONS) / f"{name}.py").read_text(encoding="utf-8")
    assert not re.search(r"^\s*(from|import)\s+portal\b", source, re.M)


def test_the_schema_check_notices_a_model_that_differs_from_the_table(app):
    from peewee import CharField, DateTimeField, IntegerField

    from portal.db import BaseModel

    class Tenant(BaseModel):  # the real table, described wrongly in three ways
        network = IntegerField(column_name="network_id")  # the foreign key is missing
        slug = CharField(max_length=40, unique=True)
        name = CharField(max_length=99)  # 120 in the table
        code = CharField(max_length=12, null=True)  # NOT NULL in the table
        kind = CharField(max_length=16)
        timezone = CharField(max_length=64)
        status = CharField(max_length=16)
        created_at = DateTimeField()

        class Meta:
            table_name = "tenant"

    with app.app_context():
        problems = "\n".join(schema_mismatches(database.obj, [Tenant]))
    assert "tenant.network_id" in problems and "tenant.name" in problems and "tenant.code" in problems
