"""A big network for the load bench: `python -m bench.network [--scale 1.0] [--database-url URL] [--force]`.

200 dealer tenants in two networks (`svw` from the demo seed, and `faw`, added here with its HQ
user hq@faw.demo), 1M complaints over 24 months at `--scale 1`, sized by a Zipf law so a few
tenants are large (dealer-sh01 is the largest, about a sixth of all) and most are small. Every
tenant's register is built by `bench.register` (events, plans, notes, links, SLA clocks, revisit
tasks, supervision orders, Chinese text) and written by `bench.generate` (batches bound by the
driver). Each new tenant gets the demo's people (cs@, manager@, advisor@, admin@, gm@<slug>.demo,
password kesu-demo). Default output: SQLite `bench/out/kesu-load.db`; on PostgreSQL use
`--database-url postgresql://postgres@127.0.0.1:5432/kesu_bench_load`.
"""
import argparse
import random
import sys
import time

from . import common, generate

COMPLAINTS = 1_000_000
TENANTS = 200
ZIPF = 1.0  # size of the k-th largest tenant ∝ 1 / k**ZIPF
SECOND = ("faw", "一汽-大众经销商网络")
PG_URL = "postgresql://postgres@127.0.0.1:5432/kesu_bench_load"
SQLITE_URL = f"sqlite:///{common.OUT / 'kesu-load.db'}"


def sizes(total: int, tenants: int) -> list[int]:
    """Complaints per tenant, largest first, summing to `total` (at least 1 each)."""
    weights = [1 / (k ** ZIPF) for k in range(1, tenants + 1)]
    scale = total / sum(weights)
    out = [max(1, int(w * scale)) for w in weights]
    out[0] += total - sum(out)
    return out


def plan(rng: random.Random, tenants: int) -> list[tuple[str, str]]:
    """(network slug, tenant slug) from largest to smallest: the demo's two svw dealers first, then the
    others shuffled, so both networks have large and small tenants."""
    per = tenants // 2
    new = [("svw", f"dealer-s{i:03d}") for i in range(per - 2)] + [(SECOND[0], f"dealer-f{i:03d}")
                                                                  for i in range(tenants - per)]
    rng.shuffle(new)
    first_faw = next(i for i, (net, _) in enumerate(new) if net == SECOND[0])
    return [("svw", "dealer-sh01"), new.pop(first_faw), ("svw", "dealer-sh02")] + new


def add_tenants(order: list[tuple[str, str]]) -> None:
    """Create the second network, its HQ user and every tenant not in the demo, with the demo's people."""
    from portal.accounts.actions import create_user, hash_password
    from portal.db import atomic
    from portal.demo import DEMO_PASSWORD, LEADER_OF, PEOPLE
    from portal.scope import for_tenant, scoped
    from portal.tenancy.actions import add_hq_member, add_member, create_network, create_tenant
    from portal.tenancy.models import Department, Network, Tenant
    hashed = hash_password(DEMO_PASSWORD)
    with atomic():
        network = create_network(*SECOND)
        add_hq_member(network, create_user(f"hq@{SECOND[0]}.demo", "总部客服管理部", password_hash=hashed), "admin")
        networks = {n.slug: n for n in Network.select()}
        existing = {t.slug for t in Tenant.select()}
        for number, (net, slug) in enumerate(order):
            if slug in existing:
                continue
            code = f"{'S' if net == 'svw' else 'F'}{number:03d}"
            tenant = create_tenant(networks[net], slug, f"经销商{code}", code, "dealer")
            people = {}
            for prefix, person, role, _ in PEOPLE:
                people[prefix] = create_user(f"{prefix}@{slug}.demo", f"{person}（{code}）", password_hash=hashed)
                add_member(tenant, people[prefix], role)
            department, leader = LEADER_OF["dealer"]
            with scoped(for_tenant(tenant)):
                Department.update(leader=people[leader]).where(Department.name == department).execute()


def fill_network(total: int, tenants: int, seed: int, now, report) -> int:
    rng = random.Random(seed)
    order = plan(rng, tenants)
    started = time.perf_counter()
    add_tenants(order)
    report(f"{tenants} tenants and their people in {time.perf_counter() - started:.0f} s")
    ids, rows, started = generate.new_ids(), 0, time.perf_counter()
    for (net, slug), n in zip(order, sizes(total, tenants)):
        rows += generate.fill(slug, n, ids, rng, now, lambda line: None)
        report(f"{slug} ({net}): {n} complaints; {rows} rows so far, {time.perf_counter() - started:.0f} s")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.network", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help=f"fraction of {COMPLAINTS} complaints to write (default %(default)s)")
    parser.add_argument("--tenants", type=int, default=TENANTS, help="tenants in all (default %(default)s)")
    parser.add_argument("--database-url", default=SQLITE_URL, help="default %(default)s; PostgreSQL: " + PG_URL)
    parser.add_argument("--seed", type=int, default=1, help="random seed (default %(default)s)")
    parser.add_argument("--force", action="store_true", help="replace an existing database")
    args = parser.parse_args(argv)
    total = int(COMPLAINTS * args.scale)
    target = generate.prepare_target(args.database_url, args.force)
    if target is None:
        print(f"{args.database_url} already holds a database; --force replaces it", file=sys.stderr)
        return 1
    started = time.perf_counter()
    rows = generate.build(target, lambda now: fill_network(total, args.tenants, args.seed, now,
                                                           lambda line: print(line, flush=True)))
    generate.publish(args.database_url, target)
    print(f"{total} complaints in {args.tenants} tenants, {rows} rows in {time.perf_counter() - started:.0f} s "
          f"-> {args.database_url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
