"""The common operational picture, driven in headless Chromium against a real server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect

from jprcc.api.app import create_app
from jprcc.core.node import Node, bootstrap
from jprcc.demo import DEMO_FILE, load_demo
from jprcc.exercise import scenario
from tests.browser import fill_persons, logged_in, screenshot
from tests.conftest import demo_copy, fast_settings
from tests.server import serving

pytestmark = pytest.mark.browser
PASSWORDS = {
    u: f"demo-{u}"
    for u in ("jfc", "director", "controller", "observer", "jfacc", "jflcc", "jfmcc", "jfsocc", "lno-jfmcc")
}


def _node(folder: Path, *, with_script: bool, snapshot: Path | None = None) -> Node:
    if with_script and snapshot is not None:  # the session's demo, copied: no reload per test
        return bootstrap(fast_settings(demo_copy(snapshot, folder, "cop.sqlite3"), folder), migrate=True)
    node = bootstrap(fast_settings(f"sqlite:///{folder / 'cop.sqlite3'}", folder), migrate=True)
    if with_script:
        load_demo(node)
    else:
        theater = scenario.load(DEMO_FILE)
        theater.steps = []
        scenario.play(theater, node.bus, node.clock())
    return node


@pytest.fixture
def demo_url(tmp_path: Path, demo_snapshot: Path) -> Iterator[str]:
    node = _node(tmp_path, with_script=True, snapshot=demo_snapshot)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


@pytest.fixture
def theater_url(tmp_path: Path) -> Iterator[str]:
    node = _node(tmp_path, with_script=False)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


# PR-RAVEN21 in the demo: directive in force (JFMCC supported), JFACC and JFSOCC have accepted their
# tasks, JFLCC has not; JFSOCC owns the incident. What each demo account may do there, by doctrine:
STAFF_ACTIONS = [
    "replan",
    "declare_detained",
    "change_duty_status",
    "change_condition",
    "update_task",
    "check_in",
    "update_position",
    "set_check_in_interval",
    "request_tacon",
    # JFLCC's task waits for its answer, and JFMCC has not begun: either may come by phone
    "relay_task_answer",
    "relay_begin_recovery",
]
EXPECTED_ACTIONS = {
    "jfc": [],
    "observer": [],
    "director": ["replan", "close", *STAFF_ACTIONS[1:]],
    "controller": STAFF_ACTIONS,
    "jfacc": ["decline_task", "request_tacon"],
    "jflcc": ["accept_task", "decline_task", "request_tacon"],
    "jfmcc": [
        "begin_recovery",
        "change_condition",
        "update_task",
        "check_in",
        "update_position",
        "request_tacon",
    ],
    "jfsocc": [
        "decline_task",
        "declare_detained",
        "change_duty_status",
        "change_condition",
        "update_task",
        "check_in",
        "update_position",
        "request_tacon",
    ],
    "lno-jfmcc": ["change_condition", "check_in", "update_position"],
}


def token_of(base_url: str, username: str) -> dict[str, str]:
    answer = httpx2.post(
        f"{base_url}/api/auth/token", data={"username": username, "password": PASSWORDS[username]}
    )
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def allowed_by_server(base_url: str, username: str, incident_id: str) -> list[str]:
    token = httpx2.post(
        f"{base_url}/api/auth/token", data={"username": username, "password": PASSWORDS[username]}
    ).json()
    detail = httpx2.get(
        f"{base_url}/api/incidents/{incident_id}",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    ).json()
    return [a for a in detail["allowed_actions"] if a != "add_narrative"]


def buttons(page: Page) -> list[str]:
    page.wait_for_selector("[data-incident] [data-stage]")
    return page.eval_on_selector_all("[data-action]", "els => els.map(e => e.dataset.action)")


class TestRoles:
    @pytest.mark.parametrize("username", list(PASSWORDS))
    def test_each_role_sees_only_its_own_actions(self, browser: Browser, demo_url: str, username: str):
        context, page = logged_in(browser, demo_url, username, PASSWORDS[username])
        page.goto(f"{demo_url}/#/incident/PR-RAVEN21")
        shown = buttons(page)
        assert shown == allowed_by_server(demo_url, username, "PR-RAVEN21")
        assert shown == EXPECTED_ACTIONS[username]
        can_report = page.locator("[data-report]").count() == 1
        assert can_report == (username not in ("jfc", "observer"))
        context.close()

    def test_the_classification_marking_frames_every_screen(self, browser: Browser, demo_url: str):
        context, page = logged_in(browser, demo_url, "observer", PASSWORDS["observer"])
        markings = page.locator("[data-classification]")
        expect(markings).to_have_count(2)
        expect(markings.first).to_have_text("UNCLASSIFIED")
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        page.keyboard.press("t")
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
        context.close()


class TestMap:
    def test_the_demo_assets_and_incidents_are_on_the_map_as_symbols(self, browser: Browser, demo_url: str):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        page.wait_for_function(
            "window.__cop && window.__cop.map && window.__cop.map.drawnCount >= 39", timeout=15000
        )
        drawn = page.evaluate("window.__cop.map.drawnCount")
        assert (
            drawn == 20 + 9 + 7 + 3
        )  # 20 assets, 9 open incidents, 7 recovery points and medical facilities, 3 threats
        falcon = page.evaluate("window.__cop.map.screenPosition('point:LZ-FALCON')")
        assert falcon is not None
        spot = page.evaluate("window.__cop.map.screenPosition('incident:PR-RAVEN21')")
        canvas = page.locator(".map-canvas").bounding_box()
        assert canvas is not None
        page.mouse.move(canvas["x"] + spot["x"], canvas["y"] + spot["y"])
        expect(page.locator("[data-cursor]")).to_contain_text("32T")
        page.mouse.click(canvas["x"] + spot["x"], canvas["y"] + spot["y"])
        expect(page.locator("[data-card='PR-RAVEN21']")).to_be_visible()
        screenshot(page, "cop-map.png")
        page.click("[data-open='PR-RAVEN21']")
        expect(page.locator("[data-directive]")).to_be_visible()
        expect(page.locator("[data-relationship]")).to_have_count(3)
        assert page.locator("[data-kind='tacon']").count() == 0
        screenshot(page, "cop-incident.png")
        context.close()


class TestIntelligence:
    def test_threats_and_areas_are_on_the_map_and_each_can_be_switched_off(
        self, browser: Browser, demo_url: str
    ):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        page.wait_for_function("window.__cop && window.__cop.map && window.__cop.map.drawnCount >= 39")
        for threat in ("THR-SA8-GUSPINI", "THR-ZSU-OROSEI", "THR-MANPADS-FONNI"):
            assert page.evaluate(f"window.__cop.map.screenPosition('layer:{threat}')") is not None
        # three threat areas and one civil area by default; PSYOP and weather are off until asked for
        assert page.evaluate("window.__cop.map.areasDrawn") == 4
        page.click("[data-layer-toggle='weather']")
        page.wait_for_function("window.__cop.map.areasDrawn === 5")
        page.click("[data-layer-toggle='threats']")
        page.wait_for_function("window.__cop.map.drawnCount === 36")
        assert page.evaluate("window.__cop.map.screenPosition('layer:THR-SA8-GUSPINI')") is None
        assert page.evaluate("window.__cop.map.areasDrawn") == 2  # civil and weather
        page.click("[data-layer-toggle='threats']")
        page.evaluate("window.__cop.map.centerOn(39.965, 9.235, 11)")
        page.evaluate("window.__cop.map.drawn")  # the view rendered where it was centred
        canvas = page.locator(".map-canvas").bounding_box()
        assert canvas is not None
        mines = page.evaluate("window.__cop.map.toScreen(39.965, 9.235)")
        page.mouse.click(canvas["x"] + mines["x"], canvas["y"] + mines["y"])
        card = page.locator("[data-card='THR-MINES-FLUMENDOSA']")
        expect(card).to_contain_text("mined area")
        expect(card).to_contain_text("JFLCC engineers")
        page.click("[data-layer-toggle='weather']")  # as it was: the choice is kept in the browser
        context.close()

    def test_the_threat_heatmap_is_drawn_and_exported_for_the_view(self, browser: Browser, demo_url: str):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        page.wait_for_function("window.__cop && window.__cop.map && window.__cop.map.drawnCount >= 36")
        page.evaluate("window.__cop.map.centerOn(40.1, 9.45, 9)")
        page.click("[data-layer-toggle='heatmap']")
        page.wait_for_function("window.__cop.map.overlaysLoaded >= 1", timeout=15000)
        screenshot(page, "cop-threat-heatmap.png")
        page.select_option("[data-heat-mode]", "dismounted")
        page.wait_for_function("window.__cop.map.overlaysLoaded >= 2", timeout=15000)
        # a threat published elsewhere redraws the heatmap here, through the live feed
        new_threat = {
            "layer_id": "THR-NEW",
            "name": "New AAA site",
            "source": "J2",
            "confidence": "confirmed",
            "body": {
                "kind": "point_threat",
                "system": "ZU-23-2",
                "category": "anti_aircraft_artillery",
                "position": {"lat": 40.15, "lon": 9.5},
                "min_range_m": 0,
                "max_range_m": 2500,
                "min_altitude_m": 0,
                "max_altitude_m": 1500,
                "pk": 0.3,
            },
        }
        published = httpx2.post(
            f"{demo_url}/api/intel/layers", json=new_threat, headers=token_of(demo_url, "director")
        )
        assert published.status_code == 201, published.text
        page.wait_for_function("window.__cop.map.overlaysLoaded >= 3", timeout=15000)
        page.wait_for_function("window.__cop.map.screenPosition('layer:THR-NEW') !== null")
        for format, kind in (("png", "image/png"), ("tiff", "image/tiff")):
            page.dispatch_event(f"[data-export='{format}']", "click")
            href = page.get_attribute(f"[data-export='{format}']", "href")
            assert href is not None
            assert "mode=dismounted" in href
            js = "async (u) => { const r = await fetch(u); return [r.status, r.headers.get('content-type')]}"
            answer = page.evaluate(js, href)
            assert answer == [200, kind]
        page.click("[data-layer-toggle='heatmap']")  # leave it off for the next test in this browser
        context.close()

    def test_assess_an_incident_and_see_its_best_route_on_the_map(self, browser: Browser, demo_url: str):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        page.goto(f"{demo_url}/#/incident/PR-RAVEN21")
        page.click("[data-assess]")
        recommendation = page.locator("[data-recommendation]")
        # the casualty is authenticated (the vault verified his answer over the radio): recover now in
        # the dark (row 9, the JPRCC approves), deliberately in daylight (row 8, the component approves)
        expect(recommendation).to_have_attribute(
            "data-recommendation", re.compile("^(immediate|deliberate)$"), timeout=15000
        )
        expect(page.locator("[data-approval]")).to_have_text(re.compile("^(jprcc|component)$"))
        expect(page.locator(".reasons li", has_text=re.compile("^authenticated$"))).to_have_count(1)
        expect(page.locator(".reasons li")).to_have_count(7)
        expect(page.locator("[data-route]").first).to_have_attribute("data-route", "LZ FALCON")
        screenshot(page, "cop-assessment.png")
        page.select_option("[data-assess-mode]", "dismounted")
        page.click("[data-assess]")
        expect(page.locator("[data-assessment] .help").first).to_contain_text("dismounted")
        page.click("[data-show-route]")
        page.wait_for_function("window.__cop && window.__cop.map && window.__cop.map.routeDrawn > 1")
        expect(page.locator("[data-route-note]")).to_contain_text("PR-RAVEN21")
        screenshot(page, "cop-route.png")
        context.close()


class TestBoard:
    def test_the_board_has_a_column_per_stage_with_counts_and_overdue_cards_stand_out(
        self, browser: Browser, demo_url: str
    ):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        page.keyboard.press("b")
        page.wait_for_selector("[data-stage='reported'] .card")
        expect(page.locator("[data-count-for='reported']")).to_have_text("2")
        expect(page.locator("[data-stage='directive_in_force'] [data-incident='PR-RAVEN21']")).to_be_visible()
        assert page.locator(".card.overdue").count() >= 1
        page.select_option("select[name=filter-component]", "JFMCC")
        expect(page.locator("[data-incident='PR-DRAGOON']")).to_have_count(0)
        expect(page.locator("[data-incident='PR-KNIGHT44']")).to_have_count(1)
        screenshot(page, "cop-board.png")
        context.close()


class TestLive:
    def test_a_new_incident_raises_the_banner_on_another_screen_within_two_seconds(
        self, browser: Browser, demo_url: str
    ):
        watch_context, watcher = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        watcher.wait_for_selector("html[data-feed=open]")
        report_context, reporter = logged_in(browser, demo_url, "jfsocc", PASSWORDS["jfsocc"])
        reporter.click("[data-report]")
        reporter.fill("[data-field=title] input", "Beacon: unknown aircrew")
        reporter.fill("[data-field=position] input", "40.2, 9.1")
        fill_persons(reporter, [("Unknown aircrew", "USAF")])
        reporter.click("[data-submit]")
        banner = watcher.locator("[data-alert]")
        expect(banner).to_contain_text("NEW ISOLATING EVENT", timeout=2000)
        # the alert names the incident as said on a net, and where it is
        reporter.wait_for_selector("[data-incident] [data-stage]")
        incident = reporter.locator("section.incident").get_attribute("data-incident")
        assert incident is not None
        assert re.fullmatch(r"PR-\d{4}", incident)
        expect(banner).to_contain_text(f"{incident} · Beacon: unknown aircrew · 32T")
        # silencing the tone keeps the alert and its link; it leaves only when handled
        watcher.click("[data-acknowledge]")
        expect(banner.locator("[data-alert-open]")).to_have_attribute("href", f"#/incident/{incident}")
        watcher.click("[data-alert-dismiss]")
        expect(banner).to_have_count(0)
        report_context.close()
        watch_context.close()


class TestForms:
    def test_fields_validate_as_you_type_and_server_errors_sit_next_to_their_field(
        self, browser: Browser, demo_url: str
    ):
        context, page = logged_in(browser, demo_url, "jfsocc", PASSWORDS["jfsocc"])
        page.keyboard.press("n")
        page.fill("[data-field=position] input", "32TNK123")
        expect(page.locator("[data-error-for=position]")).not_to_be_empty()
        page.fill("[data-field=position] input", "32TNK2985433365")
        expect(page.locator("[data-error-for=position]")).to_be_empty()
        page.fill("[data-field=priority] input", "9")
        expect(page.locator("[data-error-for=priority]")).to_contain_text("at most 5")
        page.keyboard.press("Escape")
        context.close()
        # a rule only the server knows: an asset serving one directive cannot be offered to another incident
        context, page = logged_in(browser, demo_url, "jfacc", PASSWORDS["jfacc"])
        page.goto(f"{demo_url}/#/incident/PR-KNIGHT44")
        page.click("[data-action=answer_poll]")
        # the form says it before the server does: STARLIGHT 21 serves PR-RAVEN21 until its window ends
        row = page.locator("[data-asset='STARLIGHT-21']")
        expect(row).to_have_attribute("data-offer-status", "in_sequence")
        expect(row.locator("[data-offer-reason]")).to_contain_text("already serves the support directive")
        # offered before it is free anyway, the server's refusal sits at the offers, named by callsign
        row.locator("input[type=checkbox]").check()
        row.locator("input[type=number]").fill("0")
        page.click("[data-submit]")
        expect(page.locator("[data-error-for=offers]")).to_contain_text(
            "STARLIGHT 21: asset STARLIGHT 21 already serves the support directive"
        )
        context.close()


class TestArticleScenarioByClicks:
    """Maritime-led recovery with air, land and special-operations support and JFC approval,
    carried out entirely by clicks, each role in its own browser context (with the long checks:
    half a minute of a real browser; the same flow on turns alone runs in the suite)."""

    @pytest.mark.long
    def test_from_report_to_close(self, browser: Browser, theater_url: str):
        pages = {}
        for username in ("jfsocc", "controller", "jfacc", "jfmcc", "jflcc", "jfc", "director"):
            pages[username] = logged_in(browser, theater_url, username, PASSWORDS[username])[1]
        director_token = token_of(theater_url, "director")
        sof = pages["jfsocc"]
        sof.click("[data-report]")
        sof.fill("[data-field=title] input", "RAVEN 21: team compromised, one seriously injured")
        sof.fill("[data-field=position] input", "32TNK2985433365")
        fill_persons(
            sof,
            [
                ("SFC O. Lindqvist", "USA", "RAVEN 21", "seriously_injured"),
                ("SSG P. Adeyemi", "USA", "RAVEN 21", "uninjured", "evading"),
            ],
        )
        sof.select_option("[data-field=environment] select", "mountain")
        sof.click("[data-submit]")
        sof.wait_for_selector("[data-incident] [data-stage]")
        incident = sof.locator("section.incident").get_attribute("data-incident")
        assert incident is not None

        def act(username: str, action: str, fill=None) -> Page:
            page = pages[username]
            page.goto(f"{theater_url}/#/incident/{incident}")
            # no reload: the open page keeps itself up to date from the live feed
            now = httpx2.get(f"{theater_url}/api/incidents/{incident}", headers=director_token).json()[
                "version"
            ]
            page.wait_for_selector(f"section.incident[data-version='{now}']")
            page.wait_for_selector(f"[data-action={action}]")
            page.click(f"[data-action={action}]")
            if fill:
                fill(page)
            page.click("[data-submit]")
            modal = page.locator(".modal")
            try:
                expect(modal).to_have_count(0)
            except AssertionError:
                errors = page.eval_on_selector_all(".modal .error", "els => els.map(e => e.textContent)")
                screenshot(page, f"cop-failed-{username}-{action}.png")
                raise AssertionError(f"{username} {action}: the form stayed open: {errors}") from None
            return page

        def assistance(page: Page) -> None:
            for capability in ("rotary_wing_recovery", "isr", "airborne_c2", "armored_reconnaissance"):
                page.check(f"input[name='capabilities_needed:{capability}']")
            page.fill("[data-field=reason] textarea", "Our lift is not mission capable")

        act("jfsocc", "request_assistance", assistance)
        act("controller", "open_poll")
        offers = {
            "jfacc": ["STARLIGHT-21", "SENTRY-31"],
            "jfmcc": ["KNIGHT-41"],
            "jflcc": ["SABER-TROOP"],
            "jfsocc": ["RAVEN-21"],
        }
        for username, assets in offers.items():
            act(
                username,
                "answer_poll",
                lambda page, assets=assets: [
                    page.check(f"[data-asset='{a}'] input[type=checkbox]") for a in assets
                ],
            )

        def nomination(page: Page) -> None:
            page.select_option("[data-field=supported_component] select", "JFMCC")
            page.fill(
                "[data-field=desired_effects] textarea", "Team and casualty at Role 2 before first light"
            )

        act("controller", "nominate", nomination)
        act(
            "jfc",
            "approve_nomination",
            lambda page: page.fill("[data-field=remarks] textarea", "Support, not TACON"),
        )
        for username in ("jfacc", "jflcc", "jfsocc"):
            act(username, "accept_task")
        act("jfmcc", "begin_recovery")
        act("jfmcc", "record_recovery")
        act(
            "director",
            "hand_to_reintegration",
            lambda page: page.fill("[data-field=receiving_team] input", "Role 2, phase I"),
        )
        # each survivor's own phase I and return to duty (walked by clicks in test_cop_persons.py)
        for n in (1, 2):
            journey = f"{theater_url}/api/incidents/{incident}/persons/{incident}-P{n}/journey"
            for path, body in (
                ("/phases", {"phase": "I", "location": "FOB ECHO", "facility": "Role 2"}),
                ("/decision", {"decision": "return_to_duty", "reason": "fit", "override_reason": "exercise"}),
            ):
                answer = httpx2.post(journey + path, json=body, headers=director_token)
                assert answer.status_code == 200, answer.text
        director = act(
            "director",
            "close",
            lambda page: page.select_option("[data-field=disposition] select", "recovered_and_reintegrated"),
        )

        expect(director.locator("[data-stage]")).to_have_text("closed")
        expect(director.locator("[data-relationship]")).to_have_count(3)
        assert director.locator("[data-kind='tacon']").count() == 0
        kinds = director.eval_on_selector_all("[data-relationship]", "els => els.map(e => e.dataset.kind)")
        assert set(kinds) == {"support_direct"}
        labels = director.eval_on_selector_all(
            "[data-relationship] .chart-label", "els => els.map(e => e.textContent)"
        )
        assert {label.split(":")[0] for label in labels} == {
            "JFACC → JFMCC",
            "JFLCC → JFMCC",
            "JFSOCC → JFMCC",
        }
        screenshot(director, "cop-article-closed.png")
        for page in pages.values():
            page.context.close()


class TestStaleForms:
    def test_a_decision_on_a_form_opened_before_a_change_is_refused(self, browser: Browser, demo_url: str):
        context, page = logged_in(browser, demo_url, "director", PASSWORDS["director"])
        page.goto(f"{demo_url}/#/incident/PR-SANDY02")
        page.click("[data-action=close]")
        page.select_option("[data-field=disposition] select", "false_alarm")
        httpx2.post(
            f"{demo_url}/api/incidents/PR-SANDY02/narrative",
            json={"text": "JOLLY 12 airborne"},
            headers=token_of(demo_url, "controller"),
        )
        expect(page.locator("[data-changed]")).to_be_visible()
        page.click("[data-submit]")
        expect(page.locator("[data-error-for=form]")).to_contain_text("changed since you read it")
        context.close()


class TestMapHandling:
    def test_the_end_of_a_drag_is_not_a_click(self, browser: Browser, demo_url: str):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        page.wait_for_function("window.__cop && window.__cop.map && window.__cop.map.drawnCount >= 36")
        box = page.locator(".map-canvas").bounding_box()
        assert box is not None
        spot = page.evaluate("window.__cop.map.screenPosition('incident:PR-RAVEN21')")
        x, y = box["x"] + spot["x"], box["y"] + spot["y"]
        page.mouse.move(x - 120, y)
        page.mouse.down()
        page.mouse.move(x - 60, y, steps=5)
        page.mouse.move(x, y, steps=5)
        page.mouse.up()
        expect(page.locator("[data-card]")).to_have_count(0)
        context.close()


class TestOffline:
    def test_the_api_page_and_the_map_need_nothing_from_outside(self, demo_url: str):
        docs = httpx2.get(f"{demo_url}/docs").text
        assert "/static-docs/swagger-ui-bundle.js" in docs
        assert "cdn" not in docs.lower()
        assert httpx2.get(f"{demo_url}/static-docs/swagger-ui-bundle.js").status_code == 200
        page = httpx2.get(f"{demo_url}/")
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert "http" not in page.text.replace("http-equiv", "")
        assert page.headers["x-frame-options"] == "DENY"

    def test_the_page_works_under_its_own_content_security_policy(self, browser: Browser, demo_url: str):
        context = browser.new_context(viewport={"width": 1200, "height": 800})  # the policy enforced
        page = context.new_page()
        complaints: list[str] = []
        page.on(
            "console", lambda m: complaints.append(m.text) if "Content Security Policy" in m.text else None
        )
        page.goto(demo_url + "/")
        page.fill("input[name=username]", "controller")
        page.fill("input[name=password]", PASSWORDS["controller"])
        page.click("form.login button[type=submit]")
        expect(page.locator(".map-canvas")).to_be_visible()
        page.keyboard.press("b")
        expect(page.locator("[data-incident='PR-RAVEN21']")).to_be_visible()
        page.goto(demo_url + "/docs")
        expect(page.locator(".swagger-ui")).to_be_visible()
        assert complaints == []
        context.close()


@pytest.fixture
def polled_url(tmp_path: Path) -> Iterator[str]:
    """The article's incident with every component's answer in, waiting for a nomination."""
    from datetime import UTC, datetime

    from jprcc.core.clock import ManualClock
    from tests import article
    from tests.conftest import load_theater

    node = bootstrap(fast_settings(f"sqlite:///{tmp_path / 'cop.sqlite3'}", tmp_path), migrate=True)
    clock = ManualClock(datetime.now(UTC))
    cast = load_theater(node, clock)
    article.to_poll(node, cast, clock)
    article.answer_all(node, cast, clock)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


class TestRecoveryOptions:
    def test_options_side_by_side_their_routes_on_the_map_and_one_nominated(
        self, browser: Browser, polled_url: str
    ):
        context, page = logged_in(browser, polled_url, "controller", PASSWORDS["controller"])
        page.goto(f"{polled_url}/#/incident/PR-ARTICLE")
        page.click("[data-generate-options]")
        first = page.locator("th[data-option]").first
        expect(first).to_be_visible(timeout=20000)
        table = page.locator(".side-by-side")
        for text in (
            "KNIGHT 41",
            "LZ FALCON",
            "JFMCC",
            "SENTRY 31",
            "SABER",
            "RAVEN 21",
            "stays with owners",
        ):
            expect(table).to_contain_text(text)
        # every option says the light at launch, on scene and at pickup, and the dark left is above
        expect(table.locator("[data-light='pickup']").first).to_contain_text(re.compile("day|night|twilight"))
        expect(page.locator("[data-options-dark]")).to_contain_text(
            re.compile("Dark: \\d+ min left|Daylight")
        )
        expect(page.locator("[data-dark-clock]")).to_contain_text(re.compile("DARK: \\d+ min left|Daylight"))
        screenshot(page, "cop-recovery-options.png")
        option_id = first.get_attribute("data-option")
        page.click(f"[data-show-option='{option_id}']")
        page.wait_for_function("window.__cop && window.__cop.map && window.__cop.map.routeDrawn > 2")
        expect(page.locator("[data-option-note]")).to_contain_text("KNIGHT 41")
        screenshot(page, "cop-option-route.png")
        page.goto(f"{polled_url}/#/incident/PR-ARTICLE")
        page.click(f"[data-nominate='{option_id}']")
        page.click("[data-confirm-nomination]")
        expect(page.locator("[data-options-error]")).to_contain_text("say why")
        page.fill(
            "[data-adopt] textarea", "Only ready recovery vehicle offered; the team can reach LZ FALCON."
        )
        page.click("[data-confirm-nomination]")
        expect(page.locator("[data-stage]")).to_have_text("nominated", timeout=10000)
        context.close()

    def test_the_planner_restricts_the_options_and_sees_what_each_restriction_removed(
        self, browser: Browser, polled_url: str
    ):
        context, page = logged_in(browser, polled_url, "controller", PASSWORDS["controller"])
        page.goto(f"{polled_url}/#/incident/PR-ARTICLE")
        page.click("[data-restrictions] summary")
        page.fill("[data-exclude-assets]", "ghost-9")
        page.check("[data-exclude-method='rotary_wing_recovery']")
        page.click("[data-generate-options]")
        expect(page.locator("th[data-option]").first).to_be_visible(timeout=20000)
        restricted = page.locator("[data-restricted]")
        expect(restricted).to_contain_text("excluded by the planner: rotary-wing recovery at the person")
        expect(restricted).to_contain_text("not available anyway: GHOST-9")
        expect(page.locator(".side-by-side")).not_to_contain_text("Rotary-wing recovery at the person")
        context.close()


class TestRecords:
    def test_the_casualty_shows_authenticated_with_who_and_when_and_readiness_lists_the_gaps(
        self, browser: Browser, demo_url: str
    ):
        context, page = logged_in(browser, demo_url, "controller", PASSWORDS["controller"])
        page.goto(f"{demo_url}/#/incident/PR-RAVEN21")
        cell = page.locator("[data-person='PR-RAVEN21-P1'] [data-authentication]")
        expect(cell).to_have_attribute("data-authentication", "authenticated", timeout=10000)
        expect(cell).to_contain_text("by jfmcc")
        expect(page.locator("[data-person='PR-RAVEN21-P2'] [data-authentication]")).to_contain_text(
            "not yet authenticated"
        )
        assert "quarry" not in page.content().lower()
        page.goto(f"{demo_url}/#/readiness")
        expect(page.locator("[data-lacking='USA-ADEYEMI']")).to_contain_text("expired")
        expect(page.locator("[data-lacking='USA-KOWAL']")).to_contain_text("incomplete")
        screenshot(page, "cop-readiness.png")
        context.close()
