"""Demo work orders for `make run`: in each demo network, complaints headquarters received and dispatched to
its tenants (工单), one in every state a work order reaches: waiting for acceptance, accepted and in hand,
returned to headquarters, returned and redirected to the other tenant, late for acceptance.

Played back through the work-order verbs (`hq.actions`: dispatch, accept, return_to_hq, redirect) and the
complaint verbs, with the demo HQ and tenant users as actors, each in the scope its page runs in, so events,
clocks and mail are those of real use. Nothing is backdated (see `demo_stories.WORK_ORDERS`).
Idempotent per work order, not per tenant (a demo seeded before work orders existed gets them; staff may have
added their own): each is dispatched with an intake key made of its story's key, and a story whose key is in
the network's register already is skipped, whatever became of its work order since.
"""
from .accounts.models import User
from .complaints.models import Complaint
from .db import atomic
from .demo_complaints import Cast, act, customer_data
from .demo_stories import WORK_ORDERS, WorkOrderStory
from .hq import actions
from .scope import for_network, for_tenant, scoped
from .tenancy.models import Network, Tenant


def seed() -> dict[str, int]:
    """Dispatch the demo work orders not dispatched yet in every demo network; returns how many per network."""
    added = {}
    for slug, stories in WORK_ORDERS.items():
        network = Network.get_or_none(Network.slug == slug)
        hq = User.get_or_none(User.email == f"hq@{slug}.demo")
        if network is None or hq is None:
            continue
        tenants = {t.slug: t for t in Tenant.select().where(Tenant.network == network) if t.active}
        for story in stories:
            if not _places(story) <= tenants.keys():
                continue
            with atomic():
                if _told(network, story):
                    continue
                _tell(network, hq, tenants, story)
            added[slug] = added.get(slug, 0) + 1
    return added


def _places(story: WorkOrderStory) -> set[str]:
    return {story.to} | {payload["to"] for _, verb, payload in story.steps if verb == "redirect"}


def _key(story: WorkOrderStory) -> str:
    return f"demo-{story.key}"


def _told(network, story: WorkOrderStory) -> bool:
    with scoped(for_network(network)):  # the first tenant's entry stays, closed, when it is passed on
        return Complaint.select().where(Complaint.intake_key == f"hq-{_key(story)}").exists()  # as hq.actions._intake


def _tell(network, hq, tenants, story: WorkOrderStory) -> None:
    first = tenants[story.to]
    data = {"source": story.source, "kind": "complaint", "category_name": story.category,
            "description": story.description, "customer_request": story.request, "complainants": 1, "vip": False,
            **customer_data(first, story.customer)}
    with scoped(for_network(network)):
        wo = actions.dispatch(network, first, hq, data, story.hours, key=_key(story))
    for by, verb, payload in story.steps:
        if verb == "redirect":  # HQ's own page
            with scoped(for_network(network)):
                actions.redirect(wo, tenants[payload["to"]], hq, payload["reason"])
            continue
        holder = next(t for t in tenants.values() if t.id == wo.tenant_id)
        with scoped(for_tenant(holder)):  # the tenant's pages
            cast = Cast(holder)
            actor = cast.user(by)
            if verb == "accept":
                actions.accept(wo, actor, payload["note"])
            elif verb == "return":
                actions.return_to_hq(wo, actor, payload["reason"])
            else:
                act(cast, Complaint.get_by_id(wo.complaint_id), actor, verb, payload, {})
