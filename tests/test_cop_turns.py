"""The whole flow played by its people, each in their own browser and each acting only on what
reaches them: report with "we need help" → poll → four answers → options → nomination → approval →
tasks accepted → begun. Nobody polls the board or reloads: every turn arrives on its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from jprcc.api.app import create_app
from jprcc.core.node import bootstrap
from tests.browser import fill_persons, logged_in, screenshot
from tests.conftest import fast_settings, load_theater
from tests.server import serving
from tests.test_cop import PASSWORDS

ROLES = ("jfsocc", "controller", "jfacc", "jflcc", "jfmcc", "jfc")
#: what each component offers when its turn to answer comes (all of them in the demo theater)
OFFERS = {
    "jfacc": ["STARLIGHT-21", "SENTRY-31"],
    "jflcc": ["SABER-TROOP"],
    "jfmcc": ["KNIGHT-41"],
    "jfsocc": ["RAVEN-21"],
}


@pytest.fixture
def theater(tmp_path: Path) -> Iterator[str]:
    from datetime import UTC, datetime

    from jprcc.core.clock import ManualClock

    node = bootstrap(fast_settings(f"sqlite:///{tmp_path / 'turns.sqlite3'}", tmp_path), migrate=True)
    load_theater(node, ManualClock(datetime.now(UTC)))
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


class Desk:
    """One person's screen, counting what they click (typing is not counted)."""

    def __init__(self, page: Page, clicks: Counter[str], username: str) -> None:
        self.page, self.clicks, self.username = page, clicks, username

    def click(self, selector: str) -> None:
        self.page.click(selector)
        self.clicks[self.username] += 1

    def check(self, selector: str) -> None:
        self.page.check(selector)
        self.clicks[self.username] += 1

    def act_on_turn(self, kind: str, incident: str | None = None) -> None:
        """Wait for the turn to reach this screen on its own, then open its form from the banner."""
        where = f"[data-alert-incident='{incident}']" if incident else ""
        item = self.page.locator(f"[data-alert] [data-alert-item=turn]{where}").filter(
            has_text=TURN_WORDS[kind]
        )
        expect(item).to_be_visible(timeout=15000)
        self.clicks[self.username] += 1
        item.locator("[data-alert-open]").click()

    def submit(self) -> None:
        self.click("[data-submit]")
        try:
            expect(self.page.locator(".modal")).to_have_count(0, timeout=15000)
        except AssertionError:  # say what the form answered, not only that it stayed open
            print(f"{self.username}'s form stayed open: {self.page.locator('.modal').inner_text()}")
            raise


#: this screen's reads of the incident take 1.5 s; its other requests (the banner's turns) do not
SLOW_INCIDENT = """(id) => {
  const fetchNow = window.fetch;
  window.fetch = async (input, init) => {
    const read = (init?.method ?? "GET") === "GET";
    if (read && String(input).endsWith(`/api/incidents/${encodeURIComponent(id)}`)) {
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    return fetchNow(input, init);
  };
}"""

TURN_WORDS = {
    "assistance_requested": "asks for help",
    "answer_poll": "Answer the capability poll",
    "answers_in": "All answers are in",
    "approve_nomination": "Approve or reject",
    "accept_task": "Accept or decline your support task",
    "begin_recovery": "Begin the recovery",
}


def test_the_flow_runs_on_turns_alone_with_few_clicks(browser: Browser, theater: str):
    clicks: Counter[str] = Counter()
    desks = {u: Desk(logged_in(browser, theater, u, PASSWORDS[u])[1], clicks, u) for u in ROLES}
    for desk in desks.values():
        desk.page.wait_for_selector("html[data-feed=open]")
        expect(desk.page.locator("[data-inbox-count]")).to_have_attribute("data-inbox-count", "0")

    # the owning component reports, and asks for help in the same form
    sof = desks["jfsocc"]
    sof.click("[data-report]")
    sof.page.fill("[data-field=title] input", "RAVEN 21: team compromised, one seriously injured")
    sof.page.fill("[data-field=position] input", "32TNK2985433365")
    fill_persons(sof.page, [("SFC O. Lindqvist", "USA", "RAVEN 21", "seriously_injured")])
    sof.page.select_option("[data-field=environment] select", "mountain")
    sof.check("[name=need_help]")
    for capability in ("rotary_wing_recovery", "isr", "airborne_c2", "armored_reconnaissance"):
        sof.check(f"[name='help:{capability}']")
    sof.page.fill("[name=help_reason]", "Our lift is not mission capable")
    sof.submit()
    sof.page.wait_for_selector("[data-incident] [data-stage]")
    incident = sof.page.locator("section.incident").get_attribute("data-incident")
    assert incident is not None

    # the JPRCC is told it is its turn, and polls from the banner: the form opens with the incident
    ctrl = desks["controller"]
    ctrl.act_on_turn("assistance_requested", incident)
    expect(ctrl.page.locator("[data-form]")).to_have_attribute("data-form", "Poll the components")
    ctrl.submit()

    # each polled component answers from its own banner, with only what the server will take
    for username, assets in OFFERS.items():
        desk = desks[username]
        desk.act_on_turn("answer_poll", incident)
        expect(desk.page.locator("[data-poll-question]")).to_contain_text("rotary wing recovery")
        for asset in assets:
            desk.check(f"[data-asset='{asset}'] input[type=checkbox]")
        desk.submit()

    # all answers in: the options, and one nominated
    ctrl.act_on_turn("answers_in", incident)
    nominate = ctrl.page.locator("[data-nominate]").first
    try:
        expect(nominate).to_be_visible(timeout=30000)
    except AssertionError:
        print(ctrl.page.locator("[data-options]").inner_text())
        raise
    ctrl.clicks["controller"] += 1
    nominate.click()
    ctrl.page.fill(
        "[data-adopt] textarea", "Only ready recovery vehicle offered; the team can reach LZ FALCON."
    )
    ctrl.click("[data-confirm-nomination]")
    expect(ctrl.page.locator("[data-stage]")).to_have_text("nominated", timeout=15000)

    # the JFC sees the whole package in the approval form itself
    jfc = desks["jfc"]
    jfc.act_on_turn("approve_nomination", incident)
    package = jfc.page.locator(".modal [data-package]")
    expect(package.locator("[data-package-p]")).to_contain_text("%")
    expect(package.locator("[data-package-tasks]")).to_contain_text("KNIGHT 41")
    expect(package.locator("[data-package-loses]")).to_be_visible()
    expect(package.locator("[data-package-light]")).to_contain_text("Light at the pickup")
    screenshot(jfc.page, "cop-jfc-approval.png")
    jfc.submit()

    # the supporters accept from their banners; then the supported component begins, from its
    # banner, while the incident's last change is still on its way to its screen (a slow answer):
    # the form waits for it, for a decision carries the version its author saw
    supported = ctrl.page.locator("[data-incident]")
    expect(supported).to_have_attribute("data-incident", incident)
    desks["jfmcc"].page.evaluate(SLOW_INCIDENT, incident)
    for username in ("jfacc", "jflcc", "jfsocc"):
        desk = desks[username]
        desk.act_on_turn("accept_task", incident)
        desk.submit()
    maritime = desks["jfmcc"]
    maritime.act_on_turn("begin_recovery", incident)
    maritime.submit()
    expect(maritime.page.locator("[data-stage]")).to_have_text("recovery underway")

    print(f"clicks per role: {dict(clicks)}")
    assert clicks["controller"] <= 25
    assert clicks["jfc"] <= 6
    for desk in desks.values():
        assert "#/board" not in desk.page.url  # nobody went looking on the board
        desk.page.context.close()


@pytest.fixture
def poll_open(tmp_path: Path) -> Iterator[str]:
    """The article's incident with the poll sent to every component, nobody answered yet."""
    from datetime import UTC, datetime

    from jprcc.core.clock import ManualClock
    from tests import article

    node = bootstrap(fast_settings(f"sqlite:///{tmp_path / 'voice.sqlite3'}", tmp_path), migrate=True)
    clock = ManualClock(datetime.now(UTC))
    cast = load_theater(node, clock)
    article.to_poll(node, cast, clock)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


def test_a_phoned_in_answer_and_a_voice_approval_are_marked_as_such_and_confirmed(
    browser: Browser, poll_open: str
):
    import httpx2

    from tests import article
    from tests.test_cop import token_of

    incident = article.INCIDENT
    ctrl = logged_in(browser, poll_open, "controller", PASSWORDS["controller"])[1]
    ctrl.goto(f"{poll_open}/#/incident/{incident}")
    ctrl.click("[data-action=relay_answer_poll]")
    ctrl.select_option("[data-field=component_id] select", "JFLCC")
    ctrl.fill("[data-field=given_by] input", "Maj D. Reyes, JFLCC PRCC")
    saber = ctrl.locator("[data-asset='SABER-TROOP'] input[type=checkbox]")
    saber.check()
    expect(saber).to_be_checked()
    ctrl.click("[data-submit]")
    try:
        expect(ctrl.locator(".modal")).to_have_count(0, timeout=15000)
    except AssertionError:
        errors = ctrl.eval_on_selector_all(".modal .error", "els => els.map(e => e.textContent)")
        raise AssertionError(f"the recorded answer was not taken: {errors}") from None
    # the others answer for themselves, and the JPRCC nominates
    for component, offers in article.OFFERS.items():
        if component == "JFLCC":
            continue
        body = {
            "component_id": component,
            "offers": [
                {"asset_id": a, "capability": c.value, "available_at": "2000-01-01T00:00:00Z"}
                for a, c in offers
            ],
        }
        answer = httpx2.post(
            f"{poll_open}/api/incidents/{incident}/capability-poll/answers",
            json=body,
            headers=token_of(poll_open, component.lower()),
        )
        assert answer.status_code == 200, answer.text
    ctrl.click("[data-stage-action=generate_options]")
    ctrl.locator("[data-nominate]").first.click(timeout=30000)
    ctrl.fill(
        "[data-adopt] textarea", "The only ready recovery vehicle; the team can reach the linkup point."
    )
    ctrl.click("[data-confirm-nomination]")
    expect(ctrl.locator("[data-stage]")).to_have_text("nominated", timeout=15000)
    # the JFC approves on the secure line; the controller records it, seeing the same package
    ctrl.click("[data-action=relay_decision]")
    expect(ctrl.locator(".modal [data-package]")).to_be_visible()
    ctrl.select_option("[data-field=decision] select", "approve")
    ctrl.fill("[data-field=given_by] input", "Lt Gen A. Hale (JFC)")
    ctrl.select_option("[data-field=channel] select", "radio")
    ctrl.click("[data-submit]")
    expect(ctrl.locator("[data-stage]")).to_have_text("directive in force", timeout=15000)
    timeline = ctrl.locator("ol.timeline")
    expect(timeline).to_contain_text(
        "Recorded on behalf of JFLCC: answer the capability poll, given by Maj D. Reyes, JFLCC PRCC by phone"
    )
    expect(timeline).to_contain_text("Recorded on behalf of JFC: approve a nomination")
    expect(timeline).to_contain_text("given by Lt Gen A. Hale (JFC) by radio")
    expect(ctrl.locator("[data-relayed=recorded]")).to_have_count(2)
    screenshot(ctrl, "cop-recorded-on-behalf.png")

    # the land component is told to confirm what was recorded for it, and does
    land = logged_in(browser, poll_open, "jflcc", PASSWORDS["jflcc"])[1]
    land.goto(f"{poll_open}/#/inbox")
    item = land.locator("[data-turn^='confirm:']")
    expect(item).to_contain_text("as given by Maj D. Reyes")
    item.locator("[data-turn-open]").click()
    expect(land.locator("[data-form]")).to_have_attribute(
        "data-form", "Confirm what the JPRCC recorded for you"
    )
    land.click("[data-submit]")
    expect(land.locator("[data-relayed=confirmed]")).to_have_count(1)
    expect(ctrl.locator("ol.timeline")).to_contain_text("jflcc confirmed the record")
    land.context.close()
    ctrl.context.close()


def test_a_lost_connection_is_seen_at_once_and_the_page_says_what_it_caught_up_on(
    browser: Browser, tmp_path: Path
):
    from datetime import UTC, datetime

    from jprcc.core.clock import ManualClock
    from tests import article
    from tests.server import free_port

    node = bootstrap(fast_settings(f"sqlite:///{tmp_path / 'link.sqlite3'}", tmp_path), migrate=True)
    cast = load_theater(node, ManualClock(datetime.now(UTC)))
    port = free_port()
    with serving(create_app(node, sweep_alerts=False), port) as url:
        page = logged_in(browser, url, "controller", PASSWORDS["controller"])[1]
        page.wait_for_selector("html[data-feed=open]")
    # the server is gone: the page says so at once, greys the picture, and sends nothing
    expect(page.locator("[data-connection=lost]")).to_be_visible(timeout=5000)
    expect(page.locator("[data-clock]")).to_contain_text("(offline)")
    expect(page.locator("main.stale")).to_have_count(1)
    page.click("[data-report]")
    page.fill("[data-field=title] input", "VIPER 11: F-16 pilot ejected")
    page.select_option("[data-field=owning_component] select", "JFACC")
    page.fill("[data-field=position] input", "40.2, 9.1")
    fill_persons(page, [("Capt J. Doe", "USAF")])
    page.click("[data-submit]")
    expect(page.locator("[data-error-for=form]")).to_contain_text("this action was not recorded")
    page.keyboard.press("Escape")
    # meanwhile the center goes on: a report comes in while the page is cut off
    node.bus.handle(article.report_command("PR-WHILE-AWAY", ManualClock(datetime.now(UTC))), cast["jfsocc"])
    with serving(create_app(node, sweep_alerts=False), port):
        back = page.locator("[data-connection=back]")
        expect(back).to_contain_text("caught up on", timeout=20000)
        expect(back).to_contain_text("PR-WHILE-AWAY")
        expect(page.locator("main.stale")).to_have_count(0)
        expect(page.locator("[data-alert]")).to_contain_text("PR-WHILE-AWAY")
        page.context.close()
    node.close()


def test_the_incident_page_leads_with_its_stage_and_map_at_1366_by_768(browser: Browser, tmp_path: Path):
    from tests.test_cop import _node

    node = _node(tmp_path, with_script=True)
    with serving(create_app(node, sweep_alerts=False)) as url:
        context, page = logged_in(browser, url, "controller", PASSWORDS["controller"])
        page.set_viewport_size({"width": 1366, "height": 768})
        page.goto(f"{url}/#/incident/PR-KNIGHT44")
        stage = page.locator("[data-stage-panel]")
        expect(stage.locator("[data-waiting-for='component:JFMCC']")).to_contain_text(
            "Answer the capability poll"
        )
        for part in (stage, page.locator("[data-incident-map]")):
            box = part.bounding_box()
            assert box is not None
            assert box["y"] < 768, "the current stage and the incident's map are on the first screen"
            assert box["x"] + box["width"] <= 1366
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        # the map is drawn in its own box, beside the stage, not over the page (once the map has
        # drawn a frame at the box's final size: the box grows as the page around it fills in)
        page.wait_for_function(
            """(() => {
              const host = document.querySelector('[data-incident-map]').getBoundingClientRect();
              const canvas = document.querySelector('[data-incident-map] canvas');
              if (!canvas) return false;
              const c = canvas.getBoundingClientRect();
              return Math.abs(c.x - host.x) <= 2 && Math.abs(c.y - host.y) <= 2 && c.width <= host.width + 1;
            })()""",
            timeout=10000,
        )
        screenshot(page, "cop-incident-1366.png")
        context.close()
    node.close()
