"""The board at scale: search, filters, sort, paging and counts that say what is shown of what.

The store tests run on SQLite and on PostgreSQL; the 10,000-incident test on SQLite; the page's
test in headless Chromium against a real server.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, BrowserContext, Page, expect

from jprcc.api.app import create_app
from jprcc.brokering import commands as cmd
from jprcc.brokering.incident import Stage
from jprcc.core.board import BoardFilter, BoardSort
from jprcc.core.clock import ManualClock
from jprcc.core.geo import to_mgrs
from jprcc.core.model import Capability, Environment, Position, ReportChannel, SourceConfidence
from jprcc.core.node import Node
from jprcc.core.values import PersonReport
from tests import article
from tests.api_helpers import Api
from tests.browser import logged_in, screenshot
from tests.conftest import T0, Cast, load_theater, make_node
from tests.server import serving

HOURS_4 = 4 * 3600


def report(
    node: Node,
    cast: Cast,
    clock: ManualClock,
    incident_id: str,
    title: str,
    owner: str,
    *,
    priority: int = 2,
    check_in_interval_s: int = HOURS_4,
    position: Position = Position(40.05, 9.35),
) -> None:
    """An isolating event reported by the JPRCC, a minute after the last one."""
    node.bus.handle(
        cmd.ReportIncident(
            incident_id=incident_id,
            title=title,
            owning_component=owner,
            isolating_event_at=clock.now - timedelta(minutes=10),
            position=position,
            uncertainty_m=300,
            channel=ReportChannel.VOICE,
            source_confidence=SourceConfidence.CONFIRMED,
            persons=(PersonReport("A. Person", "USAF", owner, title.split(":")[0]),),
            environment=Environment.LAND,
            priority=priority,
            check_in_interval_s=check_in_interval_s,
        ),
        cast["controller"],
    )
    clock.advance(timedelta(minutes=1))


COLT = Position(40.0, 9.3)


@pytest.fixture
def theater(node: Node, cast: Cast, clock: ManualClock) -> Node:
    """Six open incidents, reported in this order, forty minutes ago and since:

    ============ =================== ======= ===== ======== ====================================
    incident     stage               owner   prio  check-in involves
    ============ =================== ======= ===== ======== ====================================
    PR-ARTICLE   nominated (JFMCC)   JFSOCC  1     30 min   every component (all were polled)
    PR-COLT12    reported            JFACC   1     30 min   JFACC
    PR-HAWG51    reported            JFACC   2     4 h      JFACC
    PR-TALON23   reported            JFSOCC  3     4 h      JFSOCC
    PR-KNIGHT44  assistance_requested JFMCC  1     4 h      JFMCC
    PR-DAGGER31  capability_poll     JFACC   2     4 h      JFACC, JFLCC (polled)
    ============ =================== ======= ===== ======== ====================================

    Forty minutes on, PR-ARTICLE and PR-COLT12 are overdue (their half-hour check-ins lapsed).
    """
    article.to_poll(node, cast, clock, "PR-ARTICLE")
    article.answer_all(node, cast, clock, "PR-ARTICLE")
    article.nominate(node, cast, clock, "PR-ARTICLE")
    report(
        node,
        cast,
        clock,
        "PR-COLT12",
        "COLT 12: F-16 pilot down in the Gennargentu",
        "JFACC",
        priority=1,
        check_in_interval_s=1800,
        position=COLT,
    )
    report(
        node, cast, clock, "PR-HAWG51", "HAWG 51: A-10 pilot ejected", "JFACC", position=Position(39.5, 9.0)
    )
    report(
        node,
        cast,
        clock,
        "PR-TALON23",
        "TALON 23: team evading west of the Flumendosa",
        "JFSOCC",
        priority=3,
        position=Position(39.72, 9.5),
    )
    report(
        node,
        cast,
        clock,
        "PR-KNIGHT44",
        "KNIGHT 44: helicopter ditched off Olbia",
        "JFMCC",
        priority=1,
        position=Position(40.95, 9.7),
    )
    node.bus.handle(
        cmd.RequestAssistance(
            incident_id="PR-KNIGHT44", reason="no lift", capabilities_needed=(Capability.ISR,)
        ),
        cast["jfmcc"],
    )
    report(
        node,
        cast,
        clock,
        "PR-DAGGER31",
        "DAGGER 31: crew down near Macomer",
        "JFACC",
        position=Position(40.26, 8.78),
    )
    node.bus.handle(
        cmd.RequestAssistance(
            incident_id="PR-DAGGER31", reason="no lift", capabilities_needed=(Capability.ISR,)
        ),
        cast["jfacc"],
    )
    node.bus.handle(
        cmd.OpenCapabilityPoll(
            incident_id="PR-DAGGER31", component_ids=("JFLCC",), capabilities_needed=(Capability.ISR,)
        ),
        cast["controller"],
    )
    clock.advance(timedelta(minutes=40))
    return node


def ids(node: Node, cast: Cast, username: str = "controller", **filters: Any) -> list[str]:
    board = node.queries.board(cast[username], BoardFilter(**filters))
    return [r.incident_id for r in board.rows]


class TestSearch:
    def test_a_word_of_the_title_finds_the_incident_in_any_case(self, theater, cast):
        assert ids(theater, cast, search="colt") == ["PR-COLT12"]
        assert ids(theater, cast, search="GENNARGENTU") == ["PR-COLT12"]

    def test_every_word_must_appear_in_any_order(self, theater, cast):
        assert sorted(ids(theater, cast, search="pilot")) == ["PR-COLT12", "PR-HAWG51"]
        assert ids(theater, cast, search="ejected  PILOT") == ["PR-HAWG51"]

    def test_the_incident_id_and_the_owning_and_supported_components_are_searched(self, theater, cast):
        assert ids(theater, cast, search="pr-talon") == ["PR-TALON23"]
        # KNIGHT 44 is the maritime component's own; the article's nomination supports it
        assert sorted(ids(theater, cast, search="jfmcc")) == ["PR-ARTICLE", "PR-KNIGHT44"]

    def test_wildcards_in_a_search_are_taken_literally(self, theater, cast):
        assert ids(theater, cast, search="%") == []
        assert ids(theater, cast, search="pr_colt") == []

    def test_an_mgrs_square_finds_the_incidents_positioned_in_it(self, theater, cast):
        square_1km = to_mgrs(COLT, precision=2)  # e.g. 32TNK2538
        assert ids(theater, cast, search=square_1km) == ["PR-COLT12"]
        spaced = f"{square_1km[:3]} {square_1km[3:5]} {square_1km[5:7]} {square_1km[7:]}"
        assert ids(theater, cast, search=spaced.lower()) == ["PR-COLT12"]

    def test_a_square_of_100_km_finds_every_incident_in_it(self, theater, cast):
        square = to_mgrs(COLT, precision=0)
        inside = [
            r.incident_id
            for r in theater.queries.board(cast["controller"], BoardFilter()).rows
            if to_mgrs(Position(r.lat, r.lon), precision=0) == square
        ]
        assert sorted(ids(theater, cast, search=square)) == sorted(inside)
        assert "PR-COLT12" in inside


class TestFilters:
    def test_overdue_only_shows_the_incidents_whose_check_in_lapsed(self, theater, cast):
        assert ids(theater, cast, overdue_only=True) == ["PR-COLT12", "PR-ARTICLE"]

    def test_a_stage_shows_that_stage_only(self, theater, cast):
        assert ids(theater, cast, stage=Stage.CAPABILITY_POLL) == ["PR-DAGGER31"]

    def test_a_component_shows_the_incidents_that_involve_it(self, theater, cast):
        assert sorted(ids(theater, cast, component="JFLCC")) == ["PR-ARTICLE", "PR-DAGGER31"]

    def test_mine_for_the_jprcc_is_what_waits_on_it_and_what_is_overdue(self, theater, cast):
        # KNIGHT 44 asks for help (the JPRCC polls); COLT 12 and the article are overdue
        assert ids(theater, cast, mine=True) == ["PR-COLT12", "PR-ARTICLE", "PR-KNIGHT44"]
        assert ids(theater, cast, "director", mine=True) == ["PR-COLT12", "PR-ARTICLE", "PR-KNIGHT44"]

    def test_mine_for_the_jprcc_takes_in_a_poll_once_its_answers_are_in(self, theater, cast):
        theater.bus.handle(
            cmd.AnswerCapabilityPoll(
                incident_id="PR-DAGGER31", component_id="JFLCC", cannot_reason="none free"
            ),
            cast["jflcc"],
        )
        assert "PR-DAGGER31" in ids(theater, cast, mine=True)

    def test_mine_for_the_jfc_is_the_nominations_to_approve(self, theater, cast):
        assert ids(theater, cast, "jfc", mine=True) == ["PR-ARTICLE"]

    def test_mine_for_a_component_is_what_involves_it_and_nothing_for_an_observer(self, theater, cast):
        assert sorted(ids(theater, cast, "jflcc", mine=True)) == ["PR-ARTICLE", "PR-DAGGER31"]
        assert ids(theater, cast, "observer", mine=True) == []

    def test_filters_and_search_combine(self, theater, cast):
        assert ids(theater, cast, search="pilot", overdue_only=True) == ["PR-COLT12"]
        assert ids(theater, cast, search="jfacc", stage=Stage.CAPABILITY_POLL) == ["PR-DAGGER31"]


class TestSort:
    def test_by_default_the_overdue_lead_then_priority_then_the_latest_reported(self, theater, cast):
        assert ids(theater, cast) == [
            "PR-COLT12",  # overdue, P1, reported after the article
            "PR-ARTICLE",  # overdue, P1
            "PR-KNIGHT44",  # P1
            "PR-DAGGER31",  # P2, the later of the two
            "PR-HAWG51",  # P2
            "PR-TALON23",  # P3
        ]

    def test_newest_and_oldest_go_by_the_time_reported(self, theater, cast):
        reported = ["PR-ARTICLE", "PR-COLT12", "PR-HAWG51", "PR-TALON23", "PR-KNIGHT44", "PR-DAGGER31"]
        assert ids(theater, cast, sort=BoardSort.OLDEST) == reported
        assert ids(theater, cast, sort=BoardSort.NEWEST) == reported[::-1]

    def test_check_in_due_puts_the_soonest_due_first(self, theater, cast):
        due = [
            r.overdue_at
            for r in theater.queries.board(cast["controller"], BoardFilter(sort=BoardSort.CHECK_IN_DUE)).rows
        ]
        assert due == sorted(due)
        assert ids(theater, cast, sort=BoardSort.CHECK_IN_DUE)[:2] == ["PR-ARTICLE", "PR-COLT12"]

    def test_last_update_puts_the_latest_update_first(self, theater, cast, clock):
        theater.bus.handle(cmd.CheckIn(incident_id="PR-TALON23", remarks="team on the move"), cast["jfsocc"])
        assert ids(theater, cast, sort=BoardSort.LAST_UPDATE)[:2] == ["PR-TALON23", "PR-DAGGER31"]


class TestCountsAndPaging:
    def test_the_counts_follow_the_search_and_filters_but_not_the_stage(self, theater, cast):
        board = theater.queries.board(
            cast["controller"], BoardFilter(search="jfacc", stage=Stage.CAPABILITY_POLL)
        )
        assert board.counts == {"reported": 2, "capability_poll": 1}
        assert (board.total, board.open_total, board.overdue) == (1, 6, 1)

    def test_a_stage_count_clicked_shows_as_many_cards(self, theater, cast):
        counts = theater.queries.board(cast["controller"], BoardFilter(search="pilot")).counts
        for stage, n in counts.items():
            board = theater.queries.board(cast["controller"], BoardFilter(search="pilot", stage=Stage(stage)))
            assert len(board.rows) == board.total == n

    def test_pages_follow_the_order_without_repeats_or_gaps(self, theater, cast):
        for sort in BoardSort:
            whole = ids(theater, cast, sort=sort)
            pages = [ids(theater, cast, sort=sort, limit=2, offset=o) for o in (0, 2, 4, 6)]
            assert [i for page in pages for i in page] == whole
            assert pages[-1] == []


class TestNeedToKnow:
    def test_a_component_searches_and_counts_only_what_involves_it(self, theater, cast):
        assert ids(theater, cast, "jflcc", search="colt") == []
        board = theater.queries.board(cast["jflcc"], BoardFilter())
        assert sorted(r.incident_id for r in board.rows) == ["PR-ARTICLE", "PR-DAGGER31"]
        assert board.counts == {"nominated": 1, "capability_poll": 1}
        assert board.open_total == 2


@pytest.fixture
def api(theater: Node, cast: Cast) -> Iterator[Api]:
    with TestClient(create_app(theater, sweep_alerts=False)) as client:
        yield Api(client, cast)


class TestOverHttp:
    def test_the_answer_says_how_many_it_shows_of_how_many_and_when_each_check_in_is_due(self, api):
        board = api.get("controller", "/api/incidents", q="pilot", sort="check_in_due", limit=1)
        assert [r["incident_id"] for r in board["rows"]] == ["PR-COLT12"]
        assert (board["total"], board["open_total"], board["counts"]) == (2, 6, {"reported": 2})
        row = board["rows"][0]
        assert row["check_in_interval_s"] == 1800
        assert row["overdue"] is True
        assert row["overdue_at"].startswith("2026-11-25T")

    def test_mine_and_overdue_only_are_query_flags(self, api):
        board = api.get("jfc", "/api/incidents", mine="true", overdue_only="true")
        assert [r["incident_id"] for r in board["rows"]] == ["PR-ARTICLE"]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"q": "x" * 101}, "q"),
            ({"q": "colt\x00"}, "q"),
            ({"sort": "sideways"}, "sort"),
            ({"limit": 0}, "limit"),
            ({"limit": 2001}, "limit"),
            ({"mine": "perhaps"}, "mine"),
            ({"stage": "lost"}, "stage"),
        ],
    )
    def test_bad_query_input_is_refused_naming_the_field(self, api, params, field):
        answer = api.client.get("/api/incidents", params=params, headers=api.headers("controller"))
        assert answer.status_code == 422, answer.text
        assert answer.json()["field"] == field


# --- 10,000 open incidents -------------------------------------------------------------------------

CROWD = 10_000
NEEDLE = "PR-N04217"


OWNERS = ("JFACC", "JFLCC", "JFMCC", "JFSOCC")


def crowd_report(
    incident_id: str, title: str, owner: str, clock: ManualClock, check_in_interval_s: int, i: int = 0
) -> cmd.ReportIncident:
    """One of a crowd of reports, spread over the joint operations area (38.5-41.5 N, 7.5-10.5 E)."""
    return cmd.ReportIncident(
        incident_id=incident_id,
        title=title,
        owning_component=owner,
        isolating_event_at=clock.now - timedelta(minutes=5),
        position=Position(38.5 + (i * 17 % 3000) / 1000, 7.5 + (i * 29 % 3000) / 1000),
        uncertainty_m=400,
        channel=ReportChannel.BEACON,
        source_confidence=SourceConfidence.PROBABLY_TRUE,
        persons=(PersonReport("A. Person", "USAF", owner, title.split(":")[0]),),
        environment=Environment.LAND,
        priority=1 + i % 3,
        check_in_interval_s=check_in_interval_s,
    )


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, Cast]]:
    """The demo theater with 10,000 open incidents reported through the bus over the joint
    operations area, every one with a week's check-in interval but one: PR-N04217 (ZEPHYR 7),
    whose half-hour check-in has lapsed."""
    folder = tmp_path_factory.mktemp("crowded")
    clock = ManualClock(T0)
    node = make_node(f"sqlite:///{folder / 'crowded.sqlite3'}", folder, clock)
    cast = load_theater(node, clock)
    for i in range(CROWD):
        incident_id = f"PR-N{i:05d}"
        needle = incident_id == NEEDLE
        title = "ZEPHYR 7: crew of two down at dusk" if needle else f"VIPER {i}: aircrew down"
        interval = 1800 if needle else 7 * 24 * 3600
        node.bus.handle(
            crowd_report(incident_id, title, OWNERS[i % 4], clock, interval, i), cast["controller"]
        )
    clock.advance(timedelta(hours=1))
    yield node, cast
    node.close()


@pytest.mark.long  # ten thousand reports through the bus: half a minute of seeding on 2 cores
class TestTenThousandOpenIncidents:
    def test_a_search_finds_the_one_overdue_incident_in_one_step_and_says_of_how_many(self, crowded):
        node, cast = crowded
        with TestClient(create_app(node, sweep_alerts=False)) as client:
            api = Api(client, cast)
            board = api.get("controller", "/api/incidents", q="zephyr")
        assert [r["incident_id"] for r in board["rows"]] == [NEEDLE]
        assert board["rows"][0]["overdue"] is True
        assert (board["total"], board["open_total"], board["overdue"]) == (1, CROWD, 1)

    def test_the_whole_board_says_it_shows_one_page_of_all(self, crowded):
        node, cast = crowded
        board = node.queries.board(cast["controller"], BoardFilter(limit=500))
        assert (len(board.rows), board.total, board.open_total) == (500, CROWD, CROWD)
        assert board.rows[0].incident_id == NEEDLE  # the overdue lead
        assert sum(board.counts.values()) == CROWD

    def test_a_search_takes_a_few_milliseconds(self, crowded):
        node, cast = crowded
        timings = []
        for words in ("zephyr", "viper 421", "jfmcc", "pr-n09"):
            started = time.perf_counter()
            node.queries.board(cast["controller"], BoardFilter(search=words, mine=True))
            timings.append(time.perf_counter() - started)
        assert sorted(timings)[len(timings) // 2] < 0.25, timings


# --- the page ----------------------------------------------------------------------------------------

COLUMN_CROWD = 3_000


@pytest.fixture(scope="module")
def crowded_page_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on the demo theater with 3,002 open incidents reported in the last two hours,
    all waiting in the "reported" column: 3,000 with a four-hour check-in, ZEPHYR 7 whose
    check-in lapsed an hour and a half ago, and LANCE 3 whose hourly check-in falls due in
    ten minutes. The server's clock stands at the wall clock's now, as the page's does."""
    folder = tmp_path_factory.mktemp("crowded-page")
    now = datetime.now(UTC)
    clock = ManualClock(now - timedelta(hours=2))
    node = make_node(f"sqlite:///{folder / 'page.sqlite3'}", folder, clock)
    cast = load_theater(node, clock)
    for i in range(COLUMN_CROWD):
        report = crowd_report(f"PR-C{i:05d}", f"VIPER {i}: aircrew down", OWNERS[i % 4], clock, 4 * 3600, i)
        node.bus.handle(report, cast["controller"])
    zephyr = crowd_report("PR-ZEPHYR7", "ZEPHYR 7: crew of two down at dusk", "JFACC", clock, 1800)
    node.bus.handle(zephyr, cast["controller"])
    clock.advance(now - timedelta(minutes=50) - clock.now)
    node.bus.handle(
        crowd_report("PR-LANCE3", "LANCE 3: pilot down", "JFACC", clock, 3600), cast["controller"]
    )
    clock.advance(now - clock.now)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


def at_1366_by_768(browser: Browser, url: str) -> tuple[BrowserContext, Page]:
    context, page = logged_in(browser, url, "controller", "demo-controller")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(url + "/#/board")
    page.wait_for_selector("[data-stage='reported'] .card")
    return context, page


@pytest.mark.browser
@pytest.mark.long  # three thousand incidents seeded behind a real page
class TestThePage:
    def test_a_search_finds_the_card_and_the_board_says_how_many_it_shows_of_how_many(
        self, browser: Browser, crowded_page_url: str
    ):
        context, page = at_1366_by_768(browser, crowded_page_url)
        shown = page.locator("[data-board-shown]")
        expect(shown).to_contain_text("showing 2,000 of 3,002 open")
        page.fill("input[name=board-search]", "zephyr")
        expect(shown).to_contain_text("showing 1 of 1 matching · 3,002 open")
        card = page.locator("[data-incident='PR-ZEPHYR7']")
        expect(card).to_be_visible()
        expect(card.locator("[data-check-in]")).to_have_attribute("data-check-in", "over")
        expect(card).to_contain_text(re.compile(r"CHECK-IN OVERDUE 1 h \d+ min"))
        expect(page.locator("[data-count-for='reported']")).to_have_text("1")
        screenshot(page, "board-search.png")
        context.close()

    def test_a_check_in_falling_due_counts_down_in_amber(self, browser: Browser, crowded_page_url: str):
        context, page = at_1366_by_768(browser, crowded_page_url)
        page.fill("input[name=board-search]", "lance")
        check_in = page.locator("[data-incident='PR-LANCE3'] [data-check-in]")
        expect(check_in).to_have_attribute("data-check-in", "soon")
        expect(check_in).to_contain_text(re.compile(r"check-in due in \d+ min"))
        context.close()

    def test_a_column_of_3000_cards_draws_only_those_in_view(self, browser: Browser, crowded_page_url: str):
        context, page = at_1366_by_768(browser, crowded_page_url)
        page.click("[data-board-more]")
        expect(page.locator("[data-board-shown]")).to_contain_text("showing 3,002 of 3,002 open")
        column = page.locator("[data-stage='reported']")
        expect(column.locator(".column-cards")).to_have_attribute("data-cards", "3002")
        assert column.locator(".card").count() < 30
        column.locator(".column-cards").evaluate("el => { el.scrollTop = el.scrollHeight; }")
        # reported at one instant: the last card is the lowest priority's last by id
        expect(column.locator("[data-incident='PR-C02999']")).to_be_visible()
        expect(column.locator("[data-incident='PR-ZEPHYR7']")).to_have_count(
            0
        )  # the overdue lead, scrolled past
        assert column.locator(".card").count() < 30
        screenshot(page, "board-column.png")
        context.close()

    def test_every_column_is_in_view_at_1366_by_768_and_a_stage_count_filters(
        self, browser: Browser, crowded_page_url: str
    ):
        context, page = at_1366_by_768(browser, crowded_page_url)
        rights = page.eval_on_selector_all(
            ".board .column", "els => els.map(e => e.getBoundingClientRect().right)"
        )
        assert len(rights) == 10
        assert max(rights) <= 1366
        page.click("[data-count-for='reported']")
        expect(page.locator("[data-chip='stage']")).to_be_visible()
        expect(page.locator("[data-board-shown]")).to_contain_text("of 3,002 matching")
        page.click("[data-chip='overdue']")
        expect(page.locator("[data-board-shown]")).to_contain_text("showing 1 of 1 matching")
        context.close()
