"""Read-side helpers of the editor workspace: listings, adaptations and the sharing preview.

What a viewer may see is always decided by the access module (`can`, `readable_by`);
the preview asks it on behalf of synthetic viewers instead of repeating any rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from pan_platform.access import can, files_follow_description, readable_by
from pan_platform.catalogue.models import Item
from pan_platform.catalogue.operations import existing_copy
from pan_platform.catalogue.vocabularies import ITEM_KINDS, STATES
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.organisations.models import Organisation
from pan_platform.paging import paginate
from pan_platform.sharing.models import AccessRequest, AdaptationRequest, Notification


def academy_items(organisation: Organisation, state: str | None = None, kind: str | None = None,
                  page: int = 1, per_page: int = 30):
    """Every item of the academy, drafts included (the caller checked the user may edit them)."""
    stmt = select(Item).where(Item.owner_id == organisation.id)
    if state in STATES:
        stmt = stmt.where(Item.state == state)
    if kind in ITEM_KINDS:
        stmt = stmt.where(Item.kind == kind)
    stmt = stmt.order_by(Item.updated_at.desc(), Item.id.desc())
    return paginate(stmt, page, per_page)


def state_counts(organisation: Organisation) -> dict[str, int]:
    rows = db.session.execute(
        select(Item.state, func.count(Item.id)).where(Item.owner_id == organisation.id).group_by(Item.state)
    ).all()
    counts = dict(rows)
    return {state: counts.get(state, 0) for state in STATES}


def waiting(user, organisation: Organisation) -> dict[str, int]:
    """What waits for the editor on the start page: requests to decide and unread notifications
    (one statement: the workspace is opened after every sign-in)."""
    def pending(model):
        return (select(func.count(model.id)).join(Item, Item.id == model.item_id)
                .where(Item.owner_id == organisation.id, model.status == "pending").scalar_subquery())

    unread = (select(func.count(Notification.id))
              .where(Notification.user_id == user.id, Notification.read_at.is_(None)).scalar_subquery())
    access, adaptation, unread_count = db.session.execute(
        select(pending(AccessRequest), pending(AdaptationRequest), unread)).one()
    return {"access": access or 0, "adaptation": adaptation or 0, "unread": unread_count or 0}


def attachable_modules(curriculum: Item) -> list[Item]:
    """Modules of the same academy that are not already in this curriculum."""
    stmt = (
        select(Item)
        .where(Item.owner_id == curriculum.owner_id, Item.kind == "module")
        .where((Item.parent_id.is_(None)) | (Item.parent_id != curriculum.id))
        .order_by(Item.title)
    )
    return list(db.session.scalars(stmt))


def possible_parents(organisation: Organisation, kind: str) -> list[Item]:
    wanted = {"module": "curriculum", "material": "module"}.get(kind)
    if wanted is None:
        return []
    stmt = select(Item).where(Item.owner_id == organisation.id, Item.kind == wanted).order_by(Item.title)
    return list(db.session.scalars(stmt))


def partner_organisations() -> list[Organisation]:
    stmt = select(Organisation).where(Organisation.kind == "partner", Organisation.active.is_(True))
    return list(db.session.scalars(stmt.order_by(Organisation.name)))


def own_copy(user, item: Item) -> Item | None:
    """The copy of `item` the viewer's academy already made, when the viewer may read it."""
    if not getattr(user, "is_authenticated", False) or user.organisation_id == item.owner_id:
        return None
    copy = existing_copy(user.organisation_id, item)
    return copy if copy is not None and can(user, "read", copy) else None


def readable_original(user, item: Item) -> Item | None:
    """The item this one was adapted from, if the viewer may read it."""
    original = item.adapted_from
    return original if original is not None and can(user, "read", original) else None


def withheld_original(user, item: Item) -> Item | None:
    """The readable original of an adapted copy whose files were not copied because they
    are given on request (adapt copies only what the adapting user may download)."""
    original = readable_original(user, item)
    if original is None or item.file_versions or not original.file_versions:
        return None
    return None if files_follow_description(original) else original


@dataclass
class Attribution:
    """What the page of an adapted copy says about its source, from the lineage."""

    original: Item | None  # the source, when the viewer may read it (title and link)
    academy: Organisation
    licence: str | None
    permission: AdaptationRequest | None  # the owner academy's permission it was made under


def attribution(user, item: Item) -> Attribution | None:
    """The attribution block of a copy. A viewer who may not read the original learns only
    what the licence obliges the copy to say: whose work it is and under which licence."""
    source = item.adapted_from
    if source is None:
        return None
    permission = db.session.scalar(
        select(AdaptationRequest).where(AdaptationRequest.copy_id == item.id,
                                        AdaptationRequest.status == "approved").limit(1)
    )
    original = source if can(user, "read", source) else None
    return Attribution(original=original, academy=source.owner, licence=source.licence, permission=permission)


@dataclass
class Adaptations:
    count: int
    academies: list[Organisation]


def adaptations(user, item: Item) -> Adaptations:
    """How often and by which academies `item` was adapted, counting only copies the viewer may read."""
    stmt = (
        select(Organisation, func.count(Item.id))
        .join(Item, Item.owner_id == Organisation.id)
        .where(Item.adapted_from_id == item.id, readable_by(user, Item.id))
        .group_by(Organisation.id)
        .order_by(Organisation.name)
    )
    rows = db.session.execute(stmt).all()
    return Adaptations(count=sum(n for _, n in rows), academies=[org for org, _ in rows])


# ------------------------------------------------------------------ preview

@dataclass
class SyntheticViewer:
    """Just the attributes the access module reads from a user."""

    organisation: Organisation | None
    role: str = "trainer"
    is_authenticated: bool = True
    is_active: bool = True

    @property
    def organisation_id(self) -> int | None:
        return self.organisation.id if self.organisation is not None else None


@dataclass
class PreviewRow:
    label: str
    visible: list[bool]  # the item, then each descendant in order


def _other_academy(item: Item) -> Organisation:
    """Any academy but the owner (a transient one when the network holds no other)."""
    other = db.session.scalar(
        select(Organisation).where(Organisation.kind == "academy", Organisation.id != item.owner_id).limit(1)
    )
    return other or Organisation(id=-1, kind="academy", slug="-", name="-")


def preview(item: Item, partner: Organisation | None) -> tuple[list[Item], list[PreviewRow]]:
    """Who sees the item and each of its parts: another academy's trainer, a partner, the public."""
    nodes = [item, *_ordered(item)]
    viewers: list[tuple[str, object]] = [
        (_("A trainer of another academy"), SyntheticViewer(_other_academy(item))),
    ]
    if partner is not None:
        viewers.append((_("A member of %(partner)s", partner=partner.acronym or partner.name),
                        SyntheticViewer(partner)))
    viewers.append((_("The public (not signed in)"), None))
    rows = [PreviewRow(label, [can(viewer, "read", node) for node in nodes]) for label, viewer in viewers]
    return nodes, rows


def _ordered(item: Item) -> list[Item]:
    out: list[Item] = []
    for child in item.children:
        out.append(child)
        out.extend(_ordered(child))
    return out
