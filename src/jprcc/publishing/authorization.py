"""Who may change a template and who may release a message."""

from __future__ import annotations

from typing import Any

from jprcc.core.authorization import staff_or_subject_prcc
from jprcc.core.contract import Subject
from jprcc.core.model import Actor, Role

JPRCC = (Role.JPRCC_DIRECTOR, Role.JPRCC_CONTROLLER, Role.SYSTEM)


def publish_template(a: Actor, c: Any, s: Subject) -> bool:
    return a.role in (Role.JPRCC_DIRECTOR, Role.SYSTEM)


def release_message(a: Actor, c: Any, s: Subject) -> bool:
    """The JPRCC releases every kind; a component's PRCC officer the initial report and the SITREP
    of an incident its component owns (the component's own report of its own event)."""
    if a.role in JPRCC:
        return True
    owner = getattr(s.state, "owning_component", None)
    return (
        a.role is Role.PRCC_OFFICER
        and owner is not None
        and owner == a.component_id
        and c.kind in ("initial_report", "sitrep")
    )


def schedule(a: Actor, c: Any, s: Subject) -> bool:
    """Standing releases are the JPRCC's, as its theater-wide messages are."""
    return a.role in JPRCC


def import_assets(a: Actor, c: Any, s: Subject) -> bool:
    """As registering each asset: the JPRCC, or the PRCC of every asset's component."""
    if not c.assets:  # before the file is read: may this actor import assets at all?
        return a.role in JPRCC or a.role is Role.PRCC_OFFICER
    return all(staff_or_subject_prcc(a, x, Subject(component=x.component_id)) for x in c.assets)
