"""Scripted responses for the components nobody plays: each answers every capability poll put to
it, a set time after the poll opens, with the assets it is scripted to offer (those ready and able
to do something the poll asks for) or with its reason for declining.

In a scenario file::

    responders:
      - {component: JFMCC, as: jfmcc, after: 10m, offer: [KNIGHT-41, SEA-DOG-1], available_in: 20m}
      - {component: JFSOCC, as: jfsocc, after: 15m, decline: "NIGHT STALKER 61 not mission capable"}

Unlike a script step, a response follows the players: it answers the poll the JPRCC opened, when
the JPRCC opened it. The answer goes through the bus as the responder's user, under the same rules
as a person's. A scripted component offers only its listed assets that are ready and not committed
to an operation; an offer the rules still refuse is answered with the refusal as the reason the
component cannot help.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from jprcc.brokering.commands import AnswerCapabilityPoll
from jprcc.brokering.incident import Stage
from jprcc.core.board import BoardFilter
from jprcc.core.errors import DomainError
from jprcc.core.model import Actor, Readiness, Role
from jprcc.core.values import Offer
from jprcc.exercise.scenario import ScenarioError, parse_offset

log = logging.getLogger("jprcc.exercise")
READER = Actor("exercise-control", Role.OBSERVER)
NOT_READY = {Readiness.NOT_MISSION_CAPABLE}


@dataclass(frozen=True)
class Responder:
    component: str
    actor: str
    after: timedelta
    offer: tuple[str, ...] = ()
    available_in: timedelta = timedelta(0)
    decline: str = ""


def parse(section: Any) -> list[Responder]:
    """The ``responders`` section of a scenario file, checked by field."""
    if section is None:
        return []
    if not isinstance(section, list):
        raise ScenarioError("responders: a list of {component, as, after, offer | decline}")
    found = []
    for i, raw in enumerate(section, start=1):
        where = f"responders[{i}]"
        if not isinstance(raw, dict):
            raise ScenarioError(f"{where}: a mapping of component, as, after, offer or decline")
        unknown = set(raw) - {"component", "as", "after", "offer", "available_in", "decline"}
        if unknown:
            raise ScenarioError(f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))}")
        for needed in ("component", "as"):
            if not raw.get(needed):
                raise ScenarioError(f"{where}: lacks '{needed}'")
        offer, decline = raw.get("offer") or [], str(raw.get("decline") or "")
        if bool(offer) == bool(decline):
            raise ScenarioError(f"{where}: give either the assets to offer or the reason to decline")
        try:
            after, available = parse_offset(raw.get("after", 0)), parse_offset(raw.get("available_in", 0))
        except ScenarioError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
        if after < timedelta(0) or available < timedelta(0):
            raise ScenarioError(f"{where}: after and available_in are times from now, not before it")
        found.append(
            Responder(
                str(raw["component"]), str(raw["as"]), after, tuple(map(str, offer)), available, decline
            )
        )
    return found


Tried = set[tuple[str, str, str]]
"""(incident, poll, component) of the answers already given or tried: each is tried once."""


def due(node: Any, responders: list[Responder], tried: Tried) -> list[tuple[datetime, str, Responder]]:
    """(when, incident, responder) of every answer still owed by a responder, soonest first."""
    if not responders:
        return []
    board = node.queries.board(READER, BoardFilter(stage=Stage.CAPABILITY_POLL, limit=10_000))
    owed = []
    for row in board.rows:
        poll = node.queries.incident(READER, row.incident_id).poll
        if poll is None:
            continue
        for r in responders:
            unanswered = r.component in poll.component_ids and r.component not in poll.answers
            if unanswered and (row.incident_id, poll.poll_id, r.component) not in tried:
                owed.append((poll.opened_at + r.after, row.incident_id, r))
    return sorted(owed, key=lambda o: (o[0], o[1], o[2].component))


def respond(
    node: Any, responders: list[Responder], actors: dict[str, Actor], now: datetime, tried: Tried
) -> int:
    """Answer every poll whose time has come (each once); answers how many answers were given."""
    given = 0
    for when, incident_id, r in due(node, responders, tried):
        if when > now:
            break
        poll = node.queries.incident(READER, incident_id).poll
        tried.add((incident_id, poll.poll_id, r.component))
        actor = actors.get(r.actor)
        if actor is None:
            log.warning("responder has no user", extra={"component": r.component, "user": r.actor})
            continue
        offers = _offers(node, r, poll.capabilities_needed, now) if r.offer else ()
        command = AnswerCapabilityPoll(
            incident_id=incident_id,
            component_id=r.component,
            offers=offers,
            cannot_reason=None if offers else (r.decline or "nothing of ours is ready for this"),
        )
        try:
            try:
                node.bus.handle(command, actor)
            except DomainError as refusal:  # an offer the rules refuse: say so, as the component would
                reason = refusal.message[:500]
                node.bus.handle(
                    AnswerCapabilityPoll(
                        incident_id=incident_id, component_id=r.component, cannot_reason=reason
                    ),
                    actor,
                )
        except DomainError as refusal:  # the poll closed meanwhile: nothing to answer
            log.info("scripted answer not given", extra={"incident": incident_id, "reason": refusal.message})
            continue
        given += 1
    return given


def _offers(node: Any, r: Responder, needed: tuple[Any, ...], now: datetime) -> tuple[Offer, ...]:
    offers = []
    for asset_id in r.offer:
        (status,) = node.queries.assets(None, asset_id=asset_id) or [None]
        asset = status.asset if status is not None else None
        # not its own, grounded, or committed to an operation (a script releases nothing from one)
        if (
            asset is None
            or asset.component_id != r.component
            or asset.readiness in NOT_READY
            or asset.commitment
        ):
            continue
        able = [c for c in asset.capabilities if not needed or c in needed]
        if able:
            offers.append(Offer(asset_id, able[0], now + r.available_in, remarks="scripted answer"))
    return tuple(offers)
