"""A pilot's 911 from an ATAK device (played by pytak) through a real TAK server (taky), on the page
in headless Chromium: the banner with the position in MGRS at once, the two steps that make it an
incident, and the device's cancel shown for a human to close."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from jprcc.api.app import create_app
from jprcc.core.geo import to_mgrs
from jprcc.core.model import Position
from jprcc.core.node import bootstrap
from tests.browser import logged_in, screenshot
from tests.conftest import demo_copy, fast_settings
from tests.server import serving
from tests.tak_peer import AtakClient, TakyPeer, taky_peer_fixture

pytestmark = pytest.mark.browser
taky_peer = pytest.fixture(scope="module")(taky_peer_fixture)
PILOT_DEVICE = "ANDROID-VIPER11-MARSH"  # bound in the demo to Capt J. Marsh's ISOPREP
WHERE = Position(40.1843, 9.3507)


@pytest.fixture
def served(taky_peer: TakyPeer, demo_snapshot: Path, tmp_path: Path) -> Iterator[str]:
    settings = fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path).model_copy(
        update={"tak_servers": f"{taky_peer.url}?audience=theater", "tak_flush_s": 0.2}
    )
    node = bootstrap(settings, migrate=True)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


def test_a_pilots_911_through_taky_is_on_the_page_and_confirmed_in_two_steps(
    served: str, taky_peer: TakyPeer, browser: Browser
) -> None:
    context, page = logged_in(browser, served, "controller", "demo-controller")
    try:
        page.goto(f"{served}/#/tak")
        expect(page.locator("[data-tak-devices]")).to_be_visible()
        with AtakClient(taky_peer.url, PILOT_DEVICE, "VIPER11A") as pilot:
            pilot.position(WHERE.lat, WHERE.lon, ce=8.0)
            pilot.alert("911")
            banner = page.locator("[data-tak-alert]").first
            expect(banner).to_be_visible(timeout=5000)  # at once, without a reload or a click
            expect(banner).to_contain_text(to_mgrs(WHERE))
            expect(banner).to_contain_text("Capt J. Marsh")
            expect(banner).to_contain_text("911")
            screenshot(page, "tak-911-banner.png")
            banner.locator("[data-alert-open]").click()
            detail = page.locator("[data-tak-detail]")
            expect(detail).to_contain_text(to_mgrs(WHERE))
            detail.locator("[data-tak-acknowledge]").click()  # step one
            expect(detail.locator("[data-tak-status]")).to_have_text("acknowledged")
            expect(page.locator("[data-tak-alert]")).to_have_count(0)  # taken: off the banner
            detail.locator("[data-tak-confirm]").click()  # step two
            page.select_option("[data-tak-environment]", "mountain")
            page.click("[data-tak-confirm-submit]")
            link = detail.locator("[data-tak-incident]")
            expect(link).to_be_visible()
            incident_id = link.inner_text()
            assert incident_id.startswith("PR-VIPER11A-")
            # the device cancels: the JPRCC sees it, and the incident waits for a human
            pilot.cancel()
            alert_id = detail.get_attribute("data-tak-detail")
            cancel = page.locator(f'[data-tak-alert="{alert_id}"]', has_text="CANCEL")
            expect(cancel).to_be_visible(timeout=5000)
            expect(cancel).to_contain_text("a human must close it")
            expect(page.locator("[data-tak-cancelled]")).to_contain_text("a human must close this alert")
            link.click()
            expect(page.locator("body")).to_contain_text("Capt J. Marsh")
            expect(page.locator("body")).to_contain_text(incident_id)
    finally:
        context.close()


def test_an_unbound_device_is_shown_first_and_bound_by_a_human(served: str, browser: Browser) -> None:
    context, page = logged_in(browser, served, "controller", "demo-controller")
    try:
        page.goto(f"{served}/#/tak")
        row = page.locator('[data-tak-device="ANDROID-3e71b0c2"]')  # the demo's tablet, heard, unbound
        expect(row).to_have_attribute("data-bound", "no")
        expect(page.locator("[data-tak-device]").first).to_have_attribute("data-bound", "no")
        row.locator("[data-tak-bind-target]").fill("JOLLY-11")
        row.locator("[data-tak-bind-submit]").click()
        expect(row).to_have_attribute("data-bound", "yes")
        expect(row).to_contain_text("JOLLY 11")
    finally:
        context.close()
