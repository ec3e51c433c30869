"""Messages on the page, in headless Chromium: from an incident to its SITREP previewed as text and as
the printable page with its pictures, downloaded as PDF, released to its recipients and read back
with the hash it was released under; the daily summary scheduled and cancelled; a component's
officer offered the release only of what it may release."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from jprcc.api.app import create_app
from jprcc.core.node import bootstrap
from tests.browser import logged_in, screenshot
from tests.conftest import demo_copy, fast_settings
from tests.server import serving

pytestmark = pytest.mark.browser


@pytest.fixture
def served(demo_snapshot: Path, tmp_path: Path) -> Iterator[str]:
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path), migrate=True)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


def test_a_sitrep_is_previewed_printed_released_and_read_back_from_the_page(
    served: str, browser: Browser, tmp_path: Path
) -> None:
    context, page = logged_in(browser, served, "controller", "demo-controller")
    try:
        page.goto(f"{served}/#/incident/PR-KNIGHT44")
        page.click("[data-incident-messages]")
        compose = page.locator("[data-messages-compose]")
        expect(compose.locator("[data-message-kind]")).to_have_value("sitrep")
        expect(compose.locator("[data-message-incident]")).to_have_value("PR-KNIGHT44")
        compose.locator("[data-message-preview]").click()
        text = compose.locator("[data-message-text]")
        expect(text).to_contain_text("PR SITUATION REPORT (ONE INCIDENT) - PR-KNIGHT44")
        expect(text).to_contain_text("9. SEARCH: MAP AT")
        expect(text).to_contain_text("UNCLASSIFIED")
        compose.locator("[data-message-page]").click()
        frame = compose.locator("[data-message-frame]")
        expect(frame).to_be_visible()
        srcdoc = frame.get_attribute("srcdoc") or ""
        assert srcdoc.count("<svg") == 3  # the map extract, the dark-window clock, the probability map
        assert "Probability map" in srcdoc
        screenshot(page, "messages-printable-page.png")
        with page.expect_download() as got:
            compose.locator("[data-message-pdf]").click()
        pdf = Path(got.value.path()).read_bytes()
        assert pdf.startswith(b"%PDF")
        assert got.value.suggested_filename == "sitrep-PR-KNIGHT44.pdf"
        compose.locator("[data-message-recipients]").fill("JFC, JFMCC PRCC")
        compose.locator("[data-message-release]").click()
        done = compose.locator("[data-message-released]")
        expect(done).to_contain_text("to JFC, JFMCC PRCC")
        message_id = done.get_attribute("data-message-released")
        row = page.locator(f'[data-message-row="{message_id}"]')
        expect(row).to_contain_text("PR-KNIGHT44")
        expect(row).to_contain_text("controller")
        with page.expect_download() as exact:
            row.locator("[data-message-download]").click()
        released = Path(exact.value.path()).read_bytes()
        assert hashlib.sha256(released).hexdigest() in done.inner_text()
        assert b"9. SEARCH: MAP AT" in released
    finally:
        context.close()


def test_the_daily_summary_is_scheduled_and_cancelled_on_the_page(served: str, browser: Browser) -> None:
    context, page = logged_in(browser, served, "director", "demo-director")
    try:
        page.goto(f"{served}/#/messages")
        schedules = page.locator("[data-messages-schedules]")
        expect(schedules.locator("[data-schedules-none]")).to_be_visible()
        schedules.locator("[data-schedule-kind]").select_option("daily_summary")
        schedules.locator("[data-schedule-first]").fill("2030-01-01T06:00Z")
        schedules.locator("[data-schedule-to]").fill("JFC, J3")
        schedules.locator("[data-schedule-add]").click()
        row = schedules.locator("[data-schedule-row]")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("daily_summary")
        expect(row).to_contain_text("010600Z JAN 30")
        expect(row).to_contain_text("JFC, J3")
        schedules.locator("[data-schedule-first]").fill("tomorrow")
        schedules.locator("[data-schedule-add]").click()
        expect(schedules.locator("[data-schedule-error]")).to_contain_text("first_at")
        row.locator("[data-schedule-cancel]").click()
        expect(schedules.locator("[data-schedule-row]")).to_have_count(0)
    finally:
        context.close()


def test_a_components_officer_is_offered_the_release_only_of_its_own_incidents_report(
    served: str, browser: Browser
) -> None:
    context, page = logged_in(browser, served, "jfmcc", "demo-jfmcc")
    try:
        page.goto(f"{served}/#/messages/PR-KNIGHT44")  # the maritime component's own ditching
        compose = page.locator("[data-messages-compose]")
        expect(compose.locator("[data-message-release-form]")).to_be_visible()
        compose.locator("[data-message-kind]").select_option("support_directive")
        expect(compose.locator("[data-message-no-release]")).to_be_visible()
        expect(compose.locator("[data-message-release-form]")).to_have_count(0)
        expect(page.locator("[data-messages-schedules]")).to_have_count(0)  # theater-wide: not a component's
    finally:
        context.close()
