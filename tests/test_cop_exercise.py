"""A live exercise on the page, in headless Chromium: every screen marked EXERCISE, the header's
clock on scenario time (18 November 2025, sixty times real time), and an inject on the board the
moment the scenario clock reaches it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from jprcc.api.app import create_app
from jprcc.exercise.cli import SHIPPED
from jprcc.exercise.run import Exercise, Live, prepare
from tests.browser import logged_in, screenshot
from tests.conftest import fast_settings
from tests.server import serving
from tests.test_cop_contrast import audit, listing

pytestmark = pytest.mark.browser
DOCS = Path(__file__).resolve().parent.parent / "docs" / "images"
SPEED = 60.0


@pytest.fixture
def exercise(tmp_path: Path) -> Iterator[Exercise]:
    settings = fast_settings(f"sqlite:///{tmp_path / 'real.sqlite3'}", tmp_path)
    prepared = prepare(SHIPPED / "night_recovery.yaml", speed=SPEED, settings=settings)
    yield prepared
    prepared.close()


def test_a_live_exercise_is_marked_runs_on_scenario_time_and_its_injects_arrive(
    browser: Browser, exercise: Exercise
) -> None:
    live = Live(exercise, SPEED, poll_s=0.05)
    with serving(create_app(exercise.node)) as url:
        live.start()
        try:
            context, page = logged_in(browser, url, "controller", "demo-controller")
            banners = page.locator("[data-classification]")
            expect(banners.first).to_have_text("EXERCISE NIGHT OWL // UNCLASSIFIED // EXERCISE")
            expect(page.locator("[data-exercise-clock]")).to_have_text("EXERCISE 18 NOV 2025 ×60")

            # the header's clock reads the scenario's time, not the browser's
            shown = page.locator("[data-clock]").inner_text()[:8]
            scenario_now = exercise.node.clock()
            hours, minutes, seconds = (int(part) for part in shown.split(":"))
            on_page = scenario_now.replace(hour=hours, minute=minutes, second=seconds, microsecond=0)
            assert abs(on_page - scenario_now) < timedelta(minutes=3)
            wall = datetime.now(UTC)
            assert abs(on_page - wall.replace(year=2025, month=11, day=18)) > timedelta(minutes=10)

            # WEASEL 21's report is injected at 00:35Z: five real seconds in, it is on the board
            page.goto(f"{url}/#/board")
            expect(page.locator("[data-incident='PR-NIGHTOWL']")).to_be_visible(timeout=30_000)
            page.goto(f"{url}/#/incident/PR-NIGHTOWL")
            expect(
                page.get_by_text("WEASEL 21: SEAD pilot ejected on the Nuoro outskirts").first
            ).to_be_visible()
            page.evaluate("document.fonts.ready")
            picture = screenshot(page, "cop-exercise-night-owl.png")
            if os.environ.get("JPRCC_DOC_PICTURES") == "1":
                DOCS.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(picture, DOCS / "exercise-night-owl.png")
            context.close()
        finally:
            live.stop()
    assert exercise.refused == []


def test_exercise_control_steps_the_clock_adds_an_inject_and_reads_the_figures(
    browser: Browser, exercise: Exercise
) -> None:
    live = Live(exercise, 0, poll_s=0.05)  # the clock stands still: exercise control moves it
    with serving(create_app(exercise.node)) as url:
        live.start()
        try:
            context, page = logged_in(browser, url, "observer", "demo-observer")
            page.click("[data-nav=exercise]")
            expect(page.locator("[data-exercise-clock]")).to_have_text("EXERCISE 18 NOV 2025 (stopped)")
            # the first inject, due at once, is played; fifteen to come
            expect(page.locator("[data-injects] tbody tr")).to_have_count(15)

            page.click("[data-advance='3600']")  # an hour on: every inject due by 01:30Z is played
            expect(page.locator("[data-injects] tbody tr")).to_have_count(3, timeout=15_000)
            assert exercise.node.clock() == datetime(2025, 11, 18, 1, 30, tzinfo=UTC)

            form = page.locator("[data-inject-form]")
            form.locator("select[name=actor]").select_option("jfacc")
            form.locator("select[name=name]").select_option("check_in")
            form.locator("textarea[name=fields]").fill('{"incident": "PR-NIGHTOWL"}')
            form.locator("button[type=submit]").click()
            expect(page.locator("[data-inject-error]")).to_contain_text("incident_id: Field required")

            form.locator("textarea[name=fields]").fill(
                '{"incident_id": "PR-NIGHTOWL", "remarks": "SARSAT update"}'
            )
            form.locator("button[type=submit]").click()
            expect(page.locator("[data-inject-error]")).to_have_count(0)
            page.click("[data-advance='300']")  # due at once: played, three scripted ones still to come
            expect(page.locator("[data-injects] tbody tr")).to_have_count(3, timeout=15_000)

            # the after-action figures so far, and the printable report behind the link
            page.reload()
            row = page.locator("[data-figures-row='PR-NIGHTOWL'] td")
            # the hour stepped through plays each inject at its own time: reported six minutes after the
            # ejection, authenticated at 15, the directive at 42 (as in the headless run)
            expect(row.nth(1)).to_have_text("6")
            expect(row.nth(3)).to_have_text("15")
            expect(row.nth(4)).to_have_text("42")
            page.evaluate("document.fonts.ready")
            failures = [
                {**f, "screen": f"exercise ({theme})"}
                for theme, seen in zip(("dark", "light"), audit(page), strict=True)
                for f in seen.failures
            ]
            assert not failures, "texts below WCAG AA:\n" + listing(failures)
            picture = screenshot(page, "cop-exercise-control.png")
            if os.environ.get("JPRCC_DOC_PICTURES") == "1":
                shutil.copyfile(picture, DOCS / "exercise-control.png")
            report = page.request.get(f"{url}/api/after-action/report")
            assert report.ok
            assert "EXERCISE NIGHT OWL // UNCLASSIFIED // EXERCISE" in report.text()
            context.close()
        finally:
            live.stop()
    checked_in = [
        r for r in exercise.node.queries.events_after(0, limit=10_000) if r.event.type_name == "checked_in"
    ]
    assert exercise.refused == []
    assert [r.actor for r in checked_in] == ["jfacc"]
