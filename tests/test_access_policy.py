"""Access control, proven over the whole URL map (issue 10).

1. Every route × every demo role × own tenant / a neighbour in the same network / a tenant of the other
   network / anonymous answers as tests/access_policy.py declares; a route without an entry fails.
2. POSTs from outside (anonymous, another tenant, another network, a role without the permission)
   are refused and change nothing.
3. A canary crawl, in the same walk: every tenant's rows carry marker strings (tests/access_world.py);
   every page, HTMX fragment and export (XLSX and ZIP unpacked) anyone reaches is read, and no marker
   of a tenant they may not see appears in it, while each marker does appear to its own tenant.
Forms that name rows by id are in tests/test_access_foreign_ids.py.

One database per backend for the whole module: the world is seeded once, and the walks loop.
"""
import io
import re
import shutil
import zipfile
from dataclasses import dataclass, field
from urllib.parse import unquote

import pytest
from werkzeug.routing import IntegerConverter

from portal import create_app, scope
from portal.db import database
from portal.demo import PEOPLE
from portal.tenancy.rules import DEALER_ROLES, HQ_PERMISSIONS, PROPERTY_ROLES
from tests import access_world
from tests.access_policy import ARG_KINDS, HQ, PUBLIC, TENANT, Hq, Public, Tenant
from tests.access_world import TWIN, fingerprint
from tests.conftest import TEMPLATE_CODE, KesuClient, _close_pool, base_config, build_url, url_map_app

POLICY = {**TENANT, **HQ, **PUBLIC}
ALL_RULES = sorted(url_map_app().url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))
# The demo's people, by tenant: (e-mail, permissions of their role).
ROLE_PERMISSIONS = {"dealer": {k: {str(p) for p in perms} for k, _, perms in DEALER_ROLES},
                    "property": {k: {str(p) for p in perms} for k, _, perms in PROPERTY_ROLES}}
HOME = {"dealer": "dealer-sh01", "property": "prop-bj01"}  # the tenants whose staff walk the map
NEIGHBOUR = {"dealer-sh01": "dealer-sh02", "prop-bj01": "prop-bj02"}
FOREIGN = {"dealer-sh01": "prop-bj01", "prop-bj01": "dealer-sh01"}
HQ_HOME = {"svw": "dealer-sh01", "prop": "prop-bj01"}  # whose ids an HQ uses in its own network
VIEWER = "viewer@svw.demo"  # an HQ viewer (read-only), added to the demo's HQ admins
TWIN_PERMISSIONS = frozenset(ROLE_PERMISSIONS["dealer"]["general_manager"])
LOGIN = "302 to /login"


def staff() -> list[tuple[str, str, frozenset]]:
    """(e-mail, tenant slug, permissions) of every demo member of the two walking tenants."""
    people = []
    for kind, slug in HOME.items():
        for prefix, _name, dealer_role, property_role in PEOPLE:
            role = dealer_role if kind == "dealer" else property_role
            if role:
                people.append((f"{prefix}@{slug}.demo", slug, frozenset(ROLE_PERMISSIONS[kind][role])))
    return people


HQ_PEOPLE = [("hq@svw.demo", "svw", frozenset(HQ_PERMISSIONS["admin"])),
             ("hq@prop.demo", "prop", frozenset(HQ_PERMISSIONS["admin"])),
             (VIEWER, "svw", frozenset(HQ_PERMISSIONS["viewer"]))]


def rule_name(rule) -> str:
    return f"{rule.endpoint} {rule.rule}"


# --- the policy table covers the map ------------------------------------------------------------

def test_every_route_has_a_declared_policy():
    missing = sorted({rule_name(r) for r in ALL_RULES if r.endpoint not in POLICY})
    assert not missing, ("Routes without an access policy: add each to tests/access_policy.py "
                         "(who may use it, what its URL arguments name):\n  " + "\n  ".join(missing))
    stale = sorted(set(POLICY) - {r.endpoint for r in ALL_RULES})
    assert not stale, f"Policy entries for routes that no longer exist: {stale}"
    for rule in ALL_RULES:
        entry = POLICY[rule.endpoint]
        expected = Tenant if rule.rule.startswith("/t/<tenant>/") else Hq if rule.rule.startswith("/hq/") else Public
        assert isinstance(entry, expected), f"{rule_name(rule)} is declared as {type(entry).__name__}"
        for arg in _id_args(rule):
            assert arg in entry.args or arg in ARG_KINDS, (
                f"{rule_name(rule)}: say in tests/access_policy.py what the URL argument {arg!r} names")


def _id_args(rule) -> list[str]:
    return [a for a in rule.arguments - set(rule.defaults or ()) - {"tenant"}
            if isinstance(rule._converters.get(a), IntegerConverter)]


# --- one seeded database per backend ------------------------------------------------------------

@pytest.fixture(scope="module")
def db_url(request, tmp_path_factory):
    """This module's database (one per backend, seeded once): the conftest one is per test."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("access") / "kesu.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url, seed = request.getfixturevalue("pg_database")
    seed.reset()
    return url


class World:
    """The seeded app, its tenants' rows and markers, and a signed-in client per person."""

    def __init__(self, app, places):
        self.app, self.places, self.db = app, places, database.obj
        self.clients = {}

    def client(self, email: str | None):
        if email not in self.clients:
            client = self.app.test_client()
            if email:
                response = client.post("/login", data={"email": email, "password": "kesu-demo"})
                assert response.status_code == 303, (email, response.status_code)
            self.clients[email] = client
        return self.clients[email]

    def values(self, rule, entry, slug: str, **extra) -> dict:
        """URL arguments of `rule` naming the rows of tenant `slug` (the form of `entry.args`)."""
        ids = self.ids(slug)
        values = {}
        for arg in rule.arguments - set(rule.defaults or ()) - {"tenant"}:
            kind = {**entry.args, **extra}.get(arg, ARG_KINDS.get(arg))
            if kind is None:
                continue  # build_url's plausible value
            values[arg] = ids[kind] if isinstance(kind, str) and kind in ids else _fill(kind, ids)
        return values

    def ids(self, slug: str) -> dict:
        place = self.places[slug]
        return {**place.ids, "tenant_id": place.tenant_id, "token": place.token, "quarter": _quarter(place)}

    def url(self, rule, entry, slug: str, ids_of: str | None = None, **extra) -> str:
        """The URL of `rule` in tenant `slug`'s workspace, naming the rows of `ids_of` (default: the same)."""
        values = self.values(rule, entry, ids_of or slug, **extra)
        if rule.rule.startswith("/t/<tenant>/"):
            values["tenant"] = slug
        return build_url(self.app, rule, **values)


def _fill(value, ids):
    return value.format(**ids) if isinstance(value, str) else value


def _quarter(place) -> str:
    year, month = place.ids["month"].split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


@pytest.fixture(scope="module")
def world(db_url, tmp_path_factory, smtp_server):
    from portal.accounts.actions import create_user, hash_password
    from portal.tenancy.actions import add_hq_member
    from portal.tenancy.models import Network
    from tests.conftest import HASH

    tmp = tmp_path_factory.mktemp("access-app")
    app = create_app(base_config(db_url, tmp, MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port))
    app.test_client_class = KesuClient
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    database.connect(reuse_if_open=True)
    with app.app_context():
        viewer = create_user(VIEWER, "总部审计员", password_hash=hash_password("kesu-demo", HASH))
        add_hq_member(Network.get(Network.slug == "svw"), viewer, "viewer")
    places = access_world.build(app)
    world = World(app, places)
    yield world
    scope.set_scope(None)
    _close_pool(world.db)


@pytest.fixture(autouse=True)
def _this_modules_database(request):
    """Tests elsewhere point the database proxy at their own database: point it back at the world's."""
    if "world" in request.fixturenames:
        world = request.getfixturevalue("world")
        if database.obj is not world.db:
            database.initialize(world.db)


# --- 1 and 3. one crawl: every route, role and tenant; each answer's status and body --------------

TENANT_RULES = [r for r in ALL_RULES if r.endpoint in TENANT]
HQ_RULES = [r for r in ALL_RULES if r.endpoint in HQ]
HTMX = {"HX-Request": "true"}
# Marker strings (KC-/NC-<code>-what) and complaint numbers (<code>-YYYYMM-NNNN) found in an answer.
FOUND = re.compile(r"\b([KN]C)-([A-Z]{2}\d{2})-[A-Za-z][A-Za-z-]*|\b([A-Z]{2}\d{2})-\d{6}-\d{4}\b", re.I)


def expected_tenant_status(entry: Tenant, permissions) -> int:
    allowed = {str(p) for p in entry.need} <= permissions and (
        not entry.any_of or bool({str(p) for p in entry.any_of} & permissions))
    return entry.ok if allowed else 403


@dataclass
class Visit:
    who: str | None
    url: str
    endpoint: str
    expected: object  # a status, or LOGIN
    sees: frozenset  # the tenants (slugs) whose private rows this person may see here
    network_sees: frozenset  # the tenants whose shared rows (shared cases) they may see
    headers: dict = field(default_factory=dict)
    form: dict | None = None  # posted (a download), instead of a GET


class Crawl:
    """Every visit's result: answers that differ from the policy, markers where they must not be, and
    which markers their own tenant's people did see (the control: a canary nobody can see proves nothing)."""

    def __init__(self):
        self.problems, self.leaks, self.seen, self.count = [], [], set(), 0
        self.seen_at = {}  # endpoint -> markers its tenant's people saw there


def plan_visits(world) -> list[Visit]:
    """Every visit of the walk: the declared answer and who may see what on it.

    Each role visits every route in its own workspace, and once from outside: another tenant's
    workspace, alternately its neighbour's and the other network's; and, for routes naming rows, its
    own workspace with the ids of another tenant (each of the three in turn). The ones who hold every
    permission between them (general manager, admin; HQ admins) also visit each variant of a page
    (query strings, print forms) and its HTMX fragment.
    """
    places = world.places
    slugs = sorted(places)
    network_of = {slug: places[slug].network for slug in slugs}
    same_network = {n: frozenset(s for s in slugs if network_of[s] == n) for n in set(network_of.values())}
    visits = []

    def add(who, url, endpoint, expected, sees=(), network_sees=(), headers=None, form=None):
        visits.append(Visit(who, url, endpoint, expected, frozenset(sees), frozenset(network_sees), headers or {},
                            form))

    def variants(rule, entry, slug):
        """The rule's URL, then each of its crawl variants (other argument values, query strings)."""
        base = world.url(rule, entry, slug)
        yield base
        for variant in entry.crawl:
            if isinstance(variant, dict):
                yield world.url(rule, entry, slug, **variant)
            else:
                yield base + _fill(variant, world.ids(slug))

    turn = 0
    for rule in (r for r in TENANT_RULES if "GET" in r.methods):
        entry = TENANT[rule.endpoint]
        for email, slug, permissions in staff():
            turn += 1
            mine = dict(sees={slug}, network_sees=same_network[network_of[slug]])
            expected = expected_tenant_status(entry, permissions)
            thorough = email.split("@")[0] in ("gm", "admin") and expected != 403
            for url in variants(rule, entry, slug) if thorough else [world.url(rule, entry, slug)]:
                add(email, url, rule.endpoint, expected, **mine)
                if thorough and expected == 200:
                    add(email, url, rule.endpoint, expected, headers=HTMX, **mine)
            outside = (NEIGHBOUR[slug], FOREIGN[slug])[turn % 2]
            add(email, world.url(rule, entry, outside), rule.endpoint, 404, **mine)  # their workspace
            if _id_args(rule):  # their rows, through my workspace
                others = [s for s in slugs if s != slug]
                add(email, world.url(rule, entry, slug, ids_of=others[turn % 3]), rule.endpoint,
                    404 if expected != 403 else 403, **mine)
        email, network, _perms = HQ_PEOPLE[turn % len(HQ_PEOPLE)]
        add(email, world.url(rule, entry, HQ_HOME[network]), rule.endpoint, 404, sees=same_network[network],
            network_sees=same_network[network])
        add(None, world.url(rule, entry, "dealer-sh01"), rule.endpoint, LOGIN)
        if expected_tenant_status(entry, TWIN_PERMISSIONS) == 200:  # sh01's pages, for a member of sh02 too
            for url in variants(rule, entry, "dealer-sh01"):
                add(TWIN, url, rule.endpoint, 200, sees={"dealer-sh01"}, network_sees=same_network["svw"])

    for rule in (r for r in TENANT_RULES if TENANT[r.endpoint].download is not None):
        entry = TENANT[rule.endpoint]
        for email, slug, permissions in staff():
            if email.split("@")[0] in ("gm", "admin") and expected_tenant_status(entry, permissions) != 403:
                add(email, world.url(rule, entry, slug), rule.endpoint, 200, sees={slug},
                    network_sees=same_network[network_of[slug]], form=entry.download)

    for rule in (r for r in HQ_RULES if "GET" in r.methods):
        entry = HQ[rule.endpoint]
        for email, network, permissions in HQ_PEOPLE:
            ours = dict(sees=same_network[network], network_sees=same_network[network])
            expected = entry.ok if entry.need in permissions else 403
            own = HQ_HOME[network]
            thorough = email != VIEWER and expected != 403
            for url in variants(rule, entry, own) if thorough else [world.url(rule, entry, own)]:
                add(email, url, rule.endpoint, expected, **ours)
                if thorough and expected == 200:
                    add(email, url, rule.endpoint, expected, headers=HTMX, **ours)
            if _id_args(rule):
                for other in (s for s in slugs if network_of[s] != network):
                    add(email, world.url(rule, entry, other), rule.endpoint, 404 if expected != 403 else 403, **ours)
        for email, slug, _perms in staff():
            add(email, world.url(rule, entry, slug), rule.endpoint, 404, sees={slug},
                network_sees=same_network[network_of[slug]])
        add(None, world.url(rule, entry, "dealer-sh01"), rule.endpoint, LOGIN)

    for rule in (r for r in ALL_RULES if r.endpoint in PUBLIC and "GET" in r.methods):
        entry = PUBLIC[rule.endpoint]  # the status link names a complaint of dealer-sh01
        add(None, world.url(rule, entry, "dealer-sh01"), rule.endpoint, entry.anonymous, sees={"dealer-sh01"})
    return visits


def readable(response) -> str:
    """What a person gets to read: the body (every file of an XLSX/ZIP, decoded) and the headers."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            text = "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    else:
        text = data.decode("utf-8", "replace")
    headers = "\n".join(f"{k}: {unquote(v)}" for k, v in response.headers.items())
    return text + "\n" + headers


def owner_of(found, code_of: dict, numbers: dict) -> tuple[str | None, str]:
    """(tenant slug, "tenant" or "network") of a marker or complaint number found in an answer."""
    if found.group(3):  # a complaint number: only the seeded ones are known
        return numbers.get(found.group(0).upper(), (None, "tenant"))
    return code_of.get(found.group(2).upper()), "tenant" if found.group(1).upper() == "KC" else "network"


@pytest.fixture(scope="module")
def crawl(world):
    code_of = {p.code: slug for slug, p in world.places.items()}
    numbers = {n: (slug, level) for slug, p in world.places.items() for n, level in p.numbers.items()}
    result = Crawl()
    for visit in plan_visits(world):
        client = world.client(visit.who)
        response = (client.get(visit.url, headers=visit.headers) if visit.form is None
                    else client.post(visit.url, data=dict(visit.form)))
        result.count += 1
        got = response.status_code
        if visit.expected == LOGIN:
            ok = got == 302 and response.headers.get("Location", "").startswith("/login")
        else:
            ok = got == visit.expected
        who, method = visit.who or "anonymous", "GET" if visit.form is None else "POST"
        if not ok:
            result.problems.append(f"{who} {method} {visit.url} ({visit.endpoint}): "
                                   f"expected {visit.expected}, got {got}")
        for found in FOUND.finditer(readable(response)):
            slug, level = owner_of(found, code_of, numbers)
            if slug is None:
                continue
            if slug in (visit.sees if level == "tenant" else visit.sees | visit.network_sees):
                result.seen.add(found.group(0).upper())
                result.seen_at.setdefault(visit.endpoint, set()).add(found.group(0).upper())
            else:
                result.leaks.append(f"{found.group(0)} (of {slug}) shown to {who} at {method} {visit.url}"
                                    f"{' (htmx)' if visit.headers else ''}")
    return result


def test_every_route_answers_every_role_as_the_policy_declares(crawl):
    assert not crawl.problems, (f"{len(crawl.problems)} of {crawl.count} answers differ from "
                                f"tests/access_policy.py:\n" + "\n".join(crawl.problems))


def test_no_page_fragment_or_export_shows_another_tenants_rows(crawl):
    assert not crawl.leaks, f"{len(crawl.leaks)} leaks:\n" + "\n".join(sorted(set(crawl.leaks)))


def test_every_canary_is_seen_by_its_own_tenant(world, crawl):
    """The control for the crawl above: each marker appears somewhere its tenant (or HQ) reads it.
    (The walking tenants' markers: the others are seeded by the same code, and read by their HQ only.)"""
    unseen = sorted(m for slug in HOME.values() for m in world.places[slug].markers | world.places[slug].network_markers
                    if m.upper() not in crawl.seen)
    assert not unseen, f"markers no page shows, so the crawl cannot catch their leaks: {unseen}"
    exports = ["reports.monthly_xlsx", "reports.monthly_csv"] + [e for e, t in TENANT.items() if t.download]
    for export in exports:  # files are read too, not only pages
        assert any("DESCRIPTION" in m or "-0001" in m for m in crawl.seen_at.get(export, ())), export


# --- 2. POSTs from outside are refused and change nothing ----------------------------------------

# A form that would pass most of the app's forms: a refusal must not depend on the form being empty.
FORM = {"body": "KC-XXXX-form", "reason": "x", "note": "x", "comment": "x", "summary": "x", "findings": "x",
        "instructions": "x", "decision": "approve", "grade": "major", "flags": "legal", "kind": "related",
        "other": "x", "shared": "1", "featured": "1", "public": "y", "answer": "x", "analysis": "x",
        "password": "Walk-Kesu-2024!x", "role": "1", "name": "x", "active": "y", "version": "1", "key": "x",
        "size": "1", "description": "x", "tell_customer": "y", "locale": "en", "flag": "unreachable"}


def plan_posts(world) -> list[tuple]:
    """(who, url, expected, endpoint) for every POST someone must be refused."""
    posts, turn = [], 0
    slugs = sorted(world.places)
    people = staff()
    for rule in (r for r in TENANT_RULES if "POST" in r.methods):
        entry = TENANT[rule.endpoint]
        posts.append((None, world.url(rule, entry, "dealer-sh01"), LOGIN, rule.endpoint))
        email, network, _perms = HQ_PEOPLE[turn % len(HQ_PEOPLE)]
        posts.append((email, world.url(rule, entry, HQ_HOME[network]), 404, rule.endpoint))
        for outside in (NEIGHBOUR, FOREIGN):  # another tenant's workspace: one of the roles in turn
            turn += 1
            email, slug, _perms = people[turn % len(people)]
            posts.append((email, world.url(rule, entry, outside[slug]), 404, rule.endpoint))
        for email, slug, permissions in people:
            turn += 1
            expected = expected_tenant_status(entry, permissions)
            if _id_args(rule):  # another tenant's rows through my workspace: each of the three in turn
                other = [s for s in slugs if s != slug][turn % 3]
                posts.append((email, world.url(rule, entry, slug, ids_of=other), 403 if expected == 403 else 404,
                              rule.endpoint))
            if expected == 403:
                posts.append((email, world.url(rule, entry, slug), 403, rule.endpoint))
    for rule in (r for r in HQ_RULES if "POST" in r.methods):
        entry = HQ[rule.endpoint]
        posts.append((None, world.url(rule, entry, "dealer-sh01"), LOGIN, rule.endpoint))
        for email, slug, _perms in people:
            posts.append((email, world.url(rule, entry, slug), 404, rule.endpoint))
        for email, network, permissions in HQ_PEOPLE:
            lacking = entry.need not in permissions
            if _id_args(rule):
                other = FOREIGN[HQ_HOME[network]]
                posts.append((email, world.url(rule, entry, other), 403 if lacking else 404, rule.endpoint))
            if lacking:
                posts.append((email, world.url(rule, entry, HQ_HOME[network]), 403, rule.endpoint))
    return posts


def test_posts_from_outside_are_refused_and_change_nothing(world):
    def post(who, url):
        response = world.client(who).post(url, data=dict(FORM))
        return response.status_code, response.headers.get("Location", "")

    def answers(expected, status, location):
        return (status == 302 and location.startswith("/login")) if expected == LOGIN else status == expected

    with world.app.app_context():
        before = fingerprint()
    posts = plan_posts(world)
    problems = [f"{who or 'anonymous'} POST {url} ({endpoint}): expected {expected}, got {status}"
                for who, url, expected, endpoint in posts
                for status, location in [post(who, url)] if not answers(expected, status, location)]
    with world.app.app_context():
        after = fingerprint()
    if after != before:  # find the requests that wrote: post each once more, comparing after each
        for who, url, _expected, endpoint in posts:
            with world.app.app_context():
                start = fingerprint()
            post(who, url)
            with world.app.app_context():
                changed = {k: (start[k], v) for k, v in fingerprint().items() if start[k] != v}
            if changed:
                problems.append(f"{who or 'anonymous'} POST {url} ({endpoint}) changed {changed}")
        problems.append(f"rows before and after: {({k: (before[k], v) for k, v in after.items() if before[k] != v})}")
    assert not problems, f"{len(problems)} of {len(posts)} refusals failed:\n" + "\n".join(problems)
