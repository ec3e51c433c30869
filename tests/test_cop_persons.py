"""The reintegration board and a person's journey, driven in headless Chromium against a real server
on a fresh copy of the demo: one person walked from recovery to return to duty, need-to-know on the
case file, an observer who reads but acts on nothing, the JFC's order of a recovery by force."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect

from jprcc.api.app import create_app
from tests.browser import logged_in, screenshot
from tests.server import serving
from tests.test_cop import PASSWORDS, _node, token_of
from tests.test_cop_contrast import audit, listing

pytestmark = pytest.mark.browser

INCIDENT = "PR-FALCON6"
PERSON = f"{INCIDENT}-P1"
NAME = "Capt L. Moreno"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "images"


@pytest.fixture
def demo_url(tmp_path: Path, demo_snapshot: Path) -> Iterator[str]:
    node = _node(tmp_path, with_script=True, snapshot=demo_snapshot)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


def post(base_url: str, username: str, path: str, body: dict[str, object]) -> dict[str, object]:
    answer = httpx2.post(f"{base_url}{path}", json=body, headers=token_of(base_url, username))
    assert answer.status_code in (200, 201), answer.text
    found: dict[str, object] = answer.json()
    return found


def recovered_pilot(base_url: str) -> None:
    """A JFACC pilot down near Nuoro, reported by the air component's PRCC, who recovers him with
    its own forces: recovered, not yet in anyone's care."""
    isolated = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    post(
        base_url,
        "jfacc",
        "/api/incidents",
        {
            "incident_id": INCIDENT,
            "title": "FALCON 6: F-16 pilot ejected over the Supramonte",
            "owning_component": "JFACC",
            "isolating_event_at": isolated,
            "position": {"lat": 40.21, "lon": 9.42},
            "uncertainty_m": 300,
            "channel": "wingman",
            "source_confidence": "confirmed",
            "environment": "mountain",
            "persons": [{"name": NAME, "service": "USAF", "component_id": "JFACC"}],
        },
    )
    post(
        base_url,
        "jfacc",
        f"/api/incidents/{INCIDENT}/organic-recovery",
        {"plan": "SANDY flight and the alert helicopter"},
    )
    post(
        base_url,
        "jfacc",
        f"/api/incidents/{INCIDENT}/recovery",
        {"person_ids": [PERSON], "remarks": "aboard PEDRO 66, uninjured"},
    )


def submit(page: Page) -> None:
    page.click(".modal [data-submit]")
    try:
        expect(page.locator(".modal")).to_have_count(0, timeout=10000)
    except AssertionError:
        errors = page.eval_on_selector_all(".modal .error", "els => els.map(e => e.textContent)")
        raise AssertionError(f"the form was not taken: {errors}") from None


def act(page: Page, action: str) -> None:
    page.click(f"[data-journey-action={action}]")
    expect(page.locator(f".modal[data-modal={action}]")).to_be_visible()


def tick_all(page: Page, phase: str) -> None:
    items = page.locator(f"[data-phase={phase}] li[data-checklist-item]")
    count = items.count()
    assert count > 0
    for n in range(count):
        item = items.nth(n)
        item.locator("input[type=checkbox]").check()
        expect(item).to_have_attribute("data-done", "yes")
        expect(item.locator("input[type=checkbox]")).to_be_disabled()
    expect(page.locator(f"[data-phase={phase}]")).to_contain_text(f"checklist {count} of {count} done")


def begin(page: Page, phase: str, facility: str, location: str, component: str = "") -> None:
    act(page, "begin_phase")
    expect(page.locator("[data-field=phase] select")).to_have_value(phase)  # the next phase, chosen
    page.fill("[data-field=facility] input", facility)
    page.fill("[data-field=location] input", location)
    if component:
        page.select_option("[data-field=component_id] select", component)
    submit(page)
    expect(page.locator(f"[data-phase={phase}].live")).to_be_visible()
    expect(page.locator("[data-lifecycle-strip]")).to_have_attribute("data-lifecycle-strip", f"phase_{phase}")
    expect(page.locator(f"[data-step=phase_{phase}]")).to_have_attribute("data-step-state", "current")


def decide(page: Page, decision: str, reason: str, override: str = "", *, taken: bool = True) -> None:
    act(page, "decide_phase")
    page.select_option("[data-field=decision] select", decision)
    page.fill("[data-field=reason] textarea", reason)
    if override:
        page.fill("[data-field=override_reason] textarea", override)
    if taken:
        submit(page)
    else:
        page.click(".modal [data-submit]")


def test_a_recovered_pilot_is_walked_from_the_board_to_return_to_duty(browser: Browser, demo_url: str):
    recovered_pilot(demo_url)
    context, page = logged_in(browser, demo_url, "director", PASSWORDS["director"])

    # the board: the pilot is there, in friendly custody, waiting for phase I
    page.keyboard.press("p")
    expect(page).to_have_url(re.compile(r"#/persons$"))
    row = page.locator(f"[data-person-row='{PERSON}']")
    expect(row).to_be_visible()
    expect(row.locator("[data-lifecycle]")).to_have_text("friendly custody")
    expect(row).to_contain_text("begin reintegration phase I")
    screenshot(page, "cop-persons-board.png")
    row.locator("[data-person-link]").click()

    # the person's page: the strip shows where he is, the next decision leads
    expect(page.locator(f"[data-person-page='{PERSON}']")).to_be_visible()
    strip = page.locator("[data-lifecycle-strip]")
    expect(strip).to_have_attribute("data-lifecycle-strip", "in_friendly_custody")
    expect(page.locator("[data-step=custody]")).to_have_attribute("data-step-state", "current")
    for done in ("isolated", "out", "back"):
        expect(page.locator(f"[data-step={done}]")).to_have_attribute("data-step-state", "done")
    expect(page.locator("[data-next-decision]")).to_contain_text("begin reintegration phase I")
    expect(page.locator("[data-person-timeline]")).to_contain_text("Isolating event reported")

    # the national hospital receives him: the first custodian, recorded by the JPRCC for it
    act(page, "record_handoff")
    expect(page.locator("[data-field=receiver_kind] select")).to_have_value("medical_facility")
    page.fill("[data-field=receiver_name] input", "Role 3, Base ALPHA")
    page.fill("[data-field=location] input", "Base ALPHA")
    submit(page)
    handoff = page.locator("[data-handoff=H1]")
    expect(handoff).to_have_attribute("data-handoff-status", "complete")
    expect(handoff).to_contain_text("Role 3, Base ALPHA (medical facility)")
    expect(page.locator("[data-custodian]")).to_contain_text("Role 3, Base ALPHA")

    # phase I: begun, every item of its checklist ticked, decided "continue"
    act(page, "assign_team_member")
    page.select_option("[data-field=role] select", "sere_psychologist")
    page.fill("[data-field=name] input", "Dr. M. Keane")
    submit(page)
    expect(page.locator("[data-team-role=sere_psychologist]")).to_contain_text("Dr. M. Keane")
    begin(page, "I", "Role 3", "Base ALPHA")
    tick_all(page, "I")
    decide(page, "continue", "Stable; initial debrief done")
    expect(page.locator("[data-phase=I] [data-phase-decision=continue]")).to_be_visible()
    expect(page.locator("[data-step=phase_II]")).to_have_attribute("data-step-state", "current")
    expect(page.locator("[data-step=phase_II]")).to_contain_text("to begin")

    # phase II at the air component: 72 h of decompression shown, and enforced
    begin(page, "II", "Reintegration center", "Ramstein", "JFACC")
    expect(page.locator("[data-phase=II] [data-minimum=running]")).to_contain_text("left")
    expect(page.locator("[data-next-decision] [data-due]")).to_be_visible()
    screenshot(page, "cop-person-phase-two.png")
    decide(page, "continue", "Decompression going well", taken=False)  # too soon: refused, the form stays
    refusal = page.locator(".modal [data-error-for=decision]")
    expect(refusal).to_contain_text("at least 72 h")
    expect(refusal).to_contain_text("override_reason")
    screenshot(page, "cop-person-phase-two-refused.png")
    page.fill("[data-field=override_reason] textarea", "Family emergency at home; psychologist concurs")
    submit(page)
    expect(page.locator("[data-phase=II] [data-phase-decision=continue]")).to_be_visible()
    expect(page.locator("[data-phase=II] [data-override]")).to_contain_text("Family emergency")

    # phase III at home, then back to duty: the journey ends
    begin(page, "III", "Home unit", "Aviano")
    tick_all(page, "III")
    decide(page, "return_to_duty", "Fit for flying duties")
    expect(page.locator("[data-next-decision] [data-journey-end=returned_to_duty]")).to_contain_text(
        "returned to duty"
    )
    expect(strip).to_have_attribute("data-lifecycle-strip", "returned_to_duty")
    expect(page.locator("[data-step=end]")).to_have_attribute("data-step-state", "current")
    expect(page.locator("[data-step=end]")).to_contain_text("returned to duty")
    expect(page.locator("[data-journey-action]")).to_have_count(0)
    expect(page.locator("[data-no-actions]")).to_contain_text("The journey has ended")
    timeline = page.locator("[data-person-timeline]")
    for step in (
        f"Recovered: {PERSON}",
        "hand-off H1",
        "Dr. M. Keane is the reintegration team's sere psychologist",
        "reintegration phase I begun at Role 3, Base ALPHA",
        "phase I — Medical triage and treatment of injuries: done",
        "end of phase I — continue",
        "reintegration phase II begun at Reintegration center, Ramstein (JFACC)",
        "minimum overridden: Family emergency",
        "reintegration phase III begun at Home unit, Aviano",
        "end of phase III — return to duty",
        "journey ended, accounted for — returned to duty",
    ):
        expect(timeline).to_contain_text(step)
    lines = timeline.locator("li")
    expect(lines.first).to_contain_text("Isolating event reported")  # newest last
    expect(lines.last).to_contain_text("accounted for")
    expect(lines.first.locator(".mono")).to_have_text(re.compile(r"^\d{6}Z [A-Z]{3} \d{2}$"))
    screenshot(page, "cop-person-returned.png")

    # the board: gone from those on their way back, listed as returned to duty with ended shown
    page.click("[data-nav=persons]")
    expect(page.locator("[data-persons-board]")).to_be_visible()
    expect(page.locator(f"[data-person-row='{PERSON}']")).to_have_count(0)
    page.check("[name=show-ended]")
    expect(page).to_have_url(re.compile(r"#/persons\?ended=1$"))
    expect(page.locator("[data-persons-board]")).to_have_attribute("data-persons-board", "1:")
    row = page.locator(f"[data-person-row='{PERSON}']")
    expect(row).to_have_attribute("data-row-lifecycle", "returned_to_duty")
    expect(row.locator("[data-lifecycle]")).to_have_text("returned to duty")
    page.select_option("[name=persons-component]", "JFACC")
    expect(page).to_have_url(re.compile(r"component=JFACC"))
    expect(page.locator("[data-persons-board]")).to_have_attribute("data-persons-board", "1:JFACC")
    expect(row).to_be_visible()
    assert all(
        cell == "JFACC"
        for cell in page.eval_on_selector_all(
            "[data-person-row] td:nth-child(3)", "els => els.map(e => e.textContent.trim())"
        )
    )
    screenshot(page, "cop-persons-board-ended.png")

    # the incident page names him, links to his journey, and says how it ended
    page.goto(f"{demo_url}/#/incident/{INCIDENT}")
    person = page.locator(f"[data-person='{PERSON}']")
    expect(person.locator("[data-journey-end=returned_to_duty]")).to_be_visible()
    person.locator(f"[data-person-journey='{PERSON}']").click()
    expect(page.locator(f"[data-person-page='{PERSON}']")).to_be_visible()
    context.close()


def test_a_supporting_component_reads_the_case_file_only_as_far_as_need_to_know(
    browser: Browser, demo_url: str
):
    # the JPRCC puts an embassy contact and a request on PR-RAVEN21's case file
    post(
        demo_url,
        "controller",
        "/api/incidents/PR-RAVEN21/casefile/actors",
        {"organisation": "US Embassy", "kind": "embassy", "contact": "J. Carter", "role": "Defense attaché"},
    )
    due = (datetime.now(UTC) + timedelta(hours=6)).isoformat()
    post(
        demo_url,
        "controller",
        "/api/incidents/PR-RAVEN21/casefile/requests",
        {
            "kind": "request",
            "actor_id": "A1",
            "text": "Ask the host nation for overflight of the Supramonte",
            "source": "JPRCC",
            "due_at": due,
        },
    )
    # the air component supports the recovery but owns nobody in it: the track is need-to-know
    context, page = logged_in(browser, demo_url, "jfacc", PASSWORDS["jfacc"])
    page.goto(f"{demo_url}/#/incident/PR-RAVEN21")
    casefile = page.locator("[data-casefile]")
    expect(casefile).to_have_attribute("data-casefile", "closed")  # collapsed until asked for
    casefile.locator("[data-casefile-toggle]").click()
    expect(casefile.locator("[data-need-to-know]")).to_contain_text("need-to-know")
    expect(casefile).not_to_contain_text("J. Carter")
    expect(casefile).not_to_contain_text("overflight")
    expect(casefile.locator("[data-area-report]").first).to_be_visible()  # the area's reports are not
    expect(casefile.locator("[data-decide-request]")).to_have_count(0)
    screenshot(page, "cop-casefile-need-to-know.png")
    context.close()

    # the director sees it all, adds an entry and a collection item, and approves the request
    context, page = logged_in(browser, demo_url, "director", PASSWORDS["director"])
    page.goto(f"{demo_url}/#/incident/PR-RAVEN21")
    casefile = page.locator("[data-casefile]")
    casefile.locator("[data-casefile-toggle]").click()
    expect(casefile.locator("[data-actor=A1]")).to_contain_text("J. Carter")
    expect(casefile.locator("[data-need-to-know]")).to_have_count(0)
    request = casefile.locator("[data-request=R1]")
    expect(request).to_have_attribute("data-approval", "pending")
    request.locator("[data-approve=yes]").click()
    page.fill(".modal [data-field=remarks] textarea", "Go through the embassy")
    submit(page)
    expect(request).to_have_attribute("data-approval", "approved")
    casefile.locator("[data-casefile-action=entry]").click()
    page.fill(".modal [data-field=source] input", "Embassy duty officer")
    page.fill(".modal [data-field=text] textarea", "Host nation grants overflight from 0600Z")
    submit(page)
    expect(casefile.locator("[data-casefile-entries]")).to_contain_text("Host nation grants overflight")
    casefile.locator("[data-casefile-action=collection]").click()
    page.fill(".modal [data-field=item] textarea", "Militia checkpoints on the SS125 after dark")
    page.select_option(".modal [data-field=assigned_to] select", "JFSOCC")
    page.fill(".modal [data-field=due_hours] input", "4")
    submit(page)
    item = casefile.locator("[data-collection-item]").filter(has_text="Militia checkpoints")
    expect(item).to_contain_text("JFSOCC")
    expect(item.locator("[data-overdue=no]")).to_be_visible()
    screenshot(page, "cop-casefile-director.png")
    context.close()


def test_an_observer_reads_the_board_and_a_journey_but_is_offered_nothing(browser: Browser, demo_url: str):
    recovered_pilot(demo_url)
    post(
        demo_url,
        "director",
        f"/api/incidents/{INCIDENT}/persons/{PERSON}/journey/phases",
        {"phase": "I", "location": "Base ALPHA", "facility": "Role 3", "component_id": "JFACC"},
    )
    context, page = logged_in(browser, demo_url, "observer", PASSWORDS["observer"])
    page.click("[data-nav=persons]")
    row = page.locator(f"[data-person-row='{PERSON}']")
    expect(row.locator("[data-lifecycle]")).to_have_text("phase I")
    expect(page.locator("[data-person-row]").first).to_be_visible()
    assert page.locator("[data-person-row]").count() > 1
    row.locator("td").first.click()  # the row opens the person
    expect(page.locator(f"[data-person-page='{PERSON}']")).to_be_visible()
    expect(page.locator("[data-phase=I]")).to_be_visible()
    expect(page.locator("[data-journey-action]")).to_have_count(0)
    expect(page.locator("[data-acknowledge-handoff]")).to_have_count(0)
    expect(page.locator("[data-no-actions]")).to_contain_text("No actions for your role")
    boxes = page.locator("[data-phase=I] input[type=checkbox]")
    assert boxes.count() > 0
    for n in range(boxes.count()):
        expect(boxes.nth(n)).to_be_disabled()
    # nor on the case file
    page.goto(f"{demo_url}/#/incident/{INCIDENT}")
    page.click("[data-casefile-toggle]")
    expect(page.locator("[data-casefile=open]")).to_be_visible()
    expect(page.locator("[data-casefile-action]")).to_have_count(0)
    context.close()


def test_a_hand_off_recorded_by_one_side_waits_for_the_other(browser: Browser, demo_url: str):
    recovered_pilot(demo_url)
    # the JPRCC records that the helicopter's crew handed him to the air component's hospital:
    # the air component confirms
    context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
    page.goto(f"{demo_url}/#/person/{INCIDENT}/{PERSON}")
    act(page, "record_handoff")
    page.select_option("[data-field=receiver_kind] select", "aircraft")
    page.fill("[data-field=receiver_name] input", "PEDRO 66")
    page.fill("[data-field=location] input", "Supramonte")
    page.click(".modal [data-submit]")
    expect(page.locator(".modal [data-error-for=receiver_kind]")).to_contain_text("choose its component")
    page.select_option("[data-field=receiver_component] select", "JFACC")
    submit(page)
    pending = page.locator("[data-handoff=H1]")
    expect(pending).to_have_attribute("data-handoff-status", "pending")
    expect(pending).to_contain_text("waits for the")
    expect(pending.locator("[data-acknowledge-handoff]")).to_have_count(0)  # not the recorder's to confirm
    expect(page.locator("[data-journey-action=record_handoff]")).to_have_count(0)
    page.wait_for_selector("html[data-feed=open]")
    controller = (context, page)

    context, page = logged_in(browser, demo_url, "jfacc", PASSWORDS["jfacc"])
    page.goto(f"{demo_url}/#/person/{INCIDENT}/{PERSON}")
    pending = page.locator("[data-handoff=H1]")
    expect(pending).to_have_class(re.compile(r"\bpending\b"))
    screenshot(page, "cop-person-pending-handoff.png")
    pending.locator("[data-acknowledge-handoff=H1]").click()
    expect(page.locator(".modal [data-acknowledging=H1]")).to_contain_text("PEDRO 66")
    page.fill(".modal [data-field=remarks] textarea", "aboard, uninjured")
    submit(page)
    expect(pending).to_have_attribute("data-handoff-status", "complete")
    expect(pending).to_contain_text("acknowledged by jfacc")
    expect(page.locator("[data-custodian]")).to_contain_text("PEDRO 66")
    context.close()
    # the controller's page, left open, learns of it from the live feed
    context, page = controller
    expect(page.locator("[data-handoff=H1]")).to_have_attribute("data-handoff-status", "complete")
    expect(page.locator("[data-person-timeline]")).to_contain_text("hand-off H1 acknowledged by jfacc")
    context.close()


def test_the_jfc_orders_a_detained_driver_recovered_by_force(browser: Browser, demo_url: str):
    context, page = logged_in(browser, demo_url, "jfc", PASSWORDS["jfc"])
    page.goto(f"{demo_url}/#/incident/PR-CARGO7")
    page.click("[data-action=order_deliberate_recovery]")
    expect(page.locator(".modal [name='person_ids:PR-CARGO7-P1']")).to_be_checked()
    page.fill(
        ".modal [data-field=reason] textarea", "Intelligence: he is to be moved across the border tonight"
    )
    submit(page)
    expect(page.locator("[data-person='PR-CARGO7-P1'] [data-deliberate-recovery]")).to_be_visible()
    expect(page.locator("ol.timeline")).to_contain_text("PR-CARGO7-P1")
    context.close()


def test_the_demo_reintegration_board_and_a_journey(browser: Browser, demo_url: str):
    """Every text of the board, a journey and a case file at WCAG AA in both themes (as
    test_cop_contrast measures the other screens); the pictures of the guide, saved under
    docs/images with JPRCC_DOC_PICTURES=1."""
    context, page = logged_in(browser, demo_url, "director", PASSWORDS["director"])
    page.set_viewport_size({"width": 1500, "height": 950})
    failures: list[dict[str, object]] = []

    def measure(screen: str) -> None:
        for theme, seen in zip(("dark", "light"), audit(page), strict=True):
            failures.extend({**f, "screen": f"{screen} ({theme})"} for f in seen.failures)

    page.goto(f"{demo_url}/#/incident/PR-RAVEN21")
    page.click("[data-casefile-toggle]")
    expect(page.locator("[data-area-report]").first).to_be_visible()
    measure("case file")
    page.goto(f"{demo_url}/#/persons?ended=1")
    rows = page.locator("[data-person-row]")
    expect(rows.first).to_be_visible()
    measure("reintegration board")
    steps = page.eval_on_selector_all("[data-person-row]", "els => els.map(e => e.dataset.rowLifecycle)")
    board = screenshot(page, "cop-persons-demo-board.png")
    # the person furthest into reintegration, else the first
    order = ["phase_III", "phase_II", "phase_I", "in_friendly_custody", "released", "captured"]
    chosen = min(range(len(steps)), key=lambda n: order.index(steps[n]) if steps[n] in order else len(order))
    rows.nth(chosen).locator("[data-person-link]").click()
    expect(page.locator("[data-person-page]")).to_be_visible()
    expect(page.locator("[data-lifecycle-strip] [data-step-state=current]")).to_have_count(1)
    page.evaluate("document.fonts.ready")
    journey = screenshot(page, "cop-person-demo-journey.png")
    measure("journey")
    assert not failures, "texts below WCAG AA:\n" + listing(failures)
    if os.environ.get("JPRCC_DOC_PICTURES") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(board, DOCS / "reintegration-board.png")
        shutil.copyfile(journey, DOCS / "person-journey.png")
    context.close()
