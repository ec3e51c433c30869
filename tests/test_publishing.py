"""Messages: every template renders from the demo in every format, marked on every page; a template
is checked against the data its kind may use; a released message keeps the exact text it was
released with, and its hash."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from jprcc.api.app import create_app
from jprcc.core.errors import NotAuthorized, RuleViolation, Withheld
from jprcc.core.model import Actor, Role
from jprcc.core.node import Node, bootstrap
from jprcc.publishing import commands as cmd
from jprcc.publishing.context import conforms
from jprcc.publishing.model import SCHEMAS, MessageKind, framed, wrap
from jprcc.publishing.service import Publisher, default_text
from jprcc.publishing.templates import check
from tests.conftest import demo_copy, fast_settings

DIRECTOR = Actor("director", Role.JPRCC_DIRECTOR, None)
CONTROLLER = Actor("controller", Role.JPRCC_CONTROLLER, None)
JFSOCC = Actor("jfsocc", Role.PRCC_OFFICER, "JFSOCC")
JFACC = Actor("jfacc", Role.PRCC_OFFICER, "JFACC")
INCIDENTS = ("PR-RAVEN21", "PR-CARGO7", "PR-KNIGHT44")


@pytest.fixture
def demo(tmp_path: Path, demo_snapshot: Path) -> Iterator[Node]:
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path), migrate=True)
    yield node
    node.close()


def publisher(node: Node) -> Publisher:
    return node.service(Publisher)


def pages(pdf: bytes, folder: Path, dpi: int = 50, grey: bool = True) -> list[np.ndarray]:
    """Each page of a PDF as a grey (or colour) image (pdftoppm, from Debian's poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        if os.environ.get("JPRCC_REQUIRE_PDF_TOOLS"):
            pytest.fail("pdftoppm (poppler-utils) is required here and is not installed")
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    (folder / "m.pdf").write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            *(["-gray"] if grey else []),
            "-png",
            str(folder / "m.pdf"),
            str(folder / "p"),
        ],
        check=True,
    )
    return [np.asarray(Image.open(p)) for p in sorted(folder.glob("p-*.png"))]


# --- every message, every format ---------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_template_renders_from_the_demo_with_data_as_its_schema_declares(demo: Node, kind: MessageKind):
    for incident in INCIDENTS if kind.per_incident else (None,):
        r = publisher(demo).render(DIRECTOR, kind, incident)
        assert conforms(r.data, SCHEMAS[kind]) == []
        lines = r.text.splitlines()
        assert lines[0].strip() == lines[-1].strip() == "UNCLASSIFIED"
        assert all(len(line) <= 69 for line in lines)
        assert f"DTG: {r.dtg}" in r.text
        if incident:
            assert incident in r.text


def test_each_pdf_page_carries_the_marking_top_and_bottom_and_is_not_empty(demo: Node, tmp_path: Path):
    p = publisher(demo)
    r = p.render(DIRECTOR, MessageKind.SITREP, "PR-RAVEN21")
    pdf = p.pdf(r)
    assert pdf.startswith(b"%PDF")
    images = pages(pdf, tmp_path)
    assert len(images) == 2  # the text, then the map, the dark-window clock and the relationships
    for page in images:
        h = page.shape[0]
        top, bottom, body = page[: h // 12], page[-h // 12 :], page[h // 12 : -h // 12]
        assert (top < 128).sum() > 20, "the marking at the top"
        assert (bottom < 128).sum() > 20, "the marking at the bottom"
        assert (body < 200).mean() > 0.01, "something printed on the page"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout
    assert text.decode().count("UNCLASSIFIED") >= 4
    assert b"page 1 of 2" in text
    assert b"page 2 of 2" in text
    assert f"DTG {r.dtg}".encode() in text


@pytest.mark.parametrize("kind", list(MessageKind))
def test_every_kind_as_html_and_as_pdf_marked_top_and_bottom_on_every_page(
    demo: Node, tmp_path: Path, kind: MessageKind
):
    p = publisher(demo)
    r = p.render(DIRECTOR, kind, "PR-RAVEN21" if kind.per_incident else None)
    page = p.html(r)
    assert page.count("UNCLASSIFIED") >= 3  # the two banners and the page margins
    assert "<svg" in page if kind.per_incident else "<pre>" in page
    images = pages(p.pdf(r), tmp_path)
    assert images
    for img in images:
        h = img.shape[0]
        assert (img[: h // 12] < 128).sum() > 20, "the marking at the top"
        assert (img[-h // 12 :] < 128).sum() > 20, "the marking at the bottom"
        assert (img[h // 12 : -h // 12] < 200).mean() > 0.005, "something printed on the page"


def test_an_exercise_marks_every_message(tmp_path: Path, demo_snapshot: Path):
    settings = fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path).model_copy(
        update={"exercise": "Night Owl"}
    )
    node = bootstrap(settings, migrate=True)
    try:
        r = publisher(node).render(DIRECTOR, MessageKind.INITIAL_REPORT, "PR-RAVEN21")
    finally:
        node.close()
    assert r.text.splitlines()[0].strip() == "EXERCISE NIGHT OWL // UNCLASSIFIED // EXERCISE"


def test_need_to_know_holds_in_messages(demo: Node):
    p = publisher(demo)
    with pytest.raises(NotAuthorized, match="after-action"):
        p.render(JFACC, MessageKind.AFTER_ACTION)
    persons = p.render(JFACC, MessageKind.REINTEGRATION_STATUS).data["persons"]
    assert persons
    assert all(x["incident"] != "PR-CARGO7" for x in persons)
    with pytest.raises(Withheld, match="unknown incident PR-CARGO7"):
        p.render(JFACC, MessageKind.SITREP, "PR-CARGO7")  # a sea incident the air component is not part of
    theater = p.render(JFACC, MessageKind.THEATER_SITREP).text
    assert "PR-RAVEN21" in theater  # the air component supports RAVEN 21
    assert "PR-CARGO7" not in theater
    # a theater-wide message released by the JPRCC is not read back by a component's officer
    demo.bus.handle(cmd.ReleaseMessage(kind="theater_sitrep", recipients=("JFC",)), DIRECTOR)
    demo.bus.handle(cmd.ReleaseMessage(kind="sitrep", incident_id="PR-CARGO7", recipients=("JFC",)), DIRECTOR)
    assert len(p.released(DIRECTOR)) == 2
    assert p.released(JFACC) == []


# --- the text as sent --------------------------------------------------------------------------------


def test_lines_are_wrapped_between_words_keeping_the_indentation():
    text = "1. PERSONS:\n   " + "word " * 40 + "\n\n2. END"
    out = wrap(text, 40)
    assert all(len(line) <= 40 for line in out.splitlines())
    assert out.splitlines()[2].startswith("     word")  # the continuation, indented further
    assert " ".join(out.split()) == " ".join(text.split())  # nothing lost
    assert framed("x", "SECRET", 40).splitlines()[0] == "SECRET".center(40).rstrip()


# --- the template's check ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(MessageKind))
def test_the_shipped_templates_pass_their_check_and_say_they_are_defaults(kind: MessageKind):
    text = default_text(kind)
    assert check(kind, text)
    assert "Doctrinal message formats are not public" in text


@pytest.mark.parametrize(
    ("kind", "text", "named"),
    [
        (MessageKind.SITREP, "{{ incident.callsign }}", "unknown field incident.callsign"),
        (
            MessageKind.SITREP,
            "{% for p in incident.persons %}{{ p.rank }}{% endfor %}",
            "incident.persons[].rank",
        ),
        (MessageKind.THEATER_SITREP, "{{ incident.id }}", "unknown field incident"),
        (MessageKind.SITREP, "{{ poll.answers[0].offers[0].asset.id }}", "is a text"),
        (MessageKind.SITREP, "{{ incident.__class__ }}", "beginning with _"),
        (MessageKind.SITREP, "{{ ''.__class__.__mro__[1] }}", "beginning with _"),
        (MessageKind.SITREP, "{{ ''.__class__.__mro__[1].__subclasses__() }}", "calls are not allowed"),
        (MessageKind.SITREP, "{{ incident.title.upper() }}", "calls are not allowed"),
        (MessageKind.SITREP, "{% include 'x' %}", "cannot load other templates"),
        (MessageKind.SITREP, "{% macro m() %}{% endmacro %}", "macros"),
        (MessageKind.SITREP, "{{ incident.title|shout }}", "no filter 'shout'"),
        (MessageKind.SITREP, "{% if incident.title %}", "template line 1"),
        (MessageKind.SITREP, "{{" + "(" * 5000 + "1" + ")" * 5000 + "}}", "nests too deeply"),
        (MessageKind.SITREP, "{{" + "1+" * 20000 + "1}}", "nests too deeply"),
        (
            MessageKind.SITREP,
            "{{ loop.index }}{% for x in incident.tasks %}{{ loop.secret }}{% endfor %}",
            "loop",
        ),
    ],
)
def test_a_template_that_uses_what_its_kind_does_not_have_is_refused_naming_it(kind, text, named):
    with pytest.raises(
        RuleViolation, match=named.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")
    ) as e:
        check(kind, text)
    assert e.value.field == "text"


def test_a_template_may_use_loops_filters_and_what_it_sets():
    text = (
        "{% set out = incident.persons|selectattr('authenticated')|list %}{{ out|length }}"
        "{% for p in incident.persons|sort(attribute='name') %}{{ loop.index }} {{ p.name|upper }}"
        "{% endfor %}{% with d = directive %}{% if d %}"
        "{{ d.contributions|map(attribute='component')|join(', ') }}{% endif %}"
        "{% endwith %}{{ incident.persons[0].name }}{{ incident['title'] }}"
    )
    used = check(MessageKind.SITREP, text)
    assert {"incident.persons", "incident.persons.name", "incident.title", "directive.contributions"} <= set(
        used
    )


def test_the_sandbox_holds_even_for_a_value_the_check_cannot_follow(demo: Node):
    from jinja2.exceptions import SecurityError

    from jprcc.publishing.templates import environment

    with pytest.raises(SecurityError):
        environment().from_string("{{ x.__class__ }}").render(x=object())


# --- publishing a template, releasing a message ---------------------------------------------------------


def test_a_released_message_keeps_its_text_and_hash_when_the_template_changes(demo: Node):
    handled = demo.bus.handle(
        cmd.ReleaseMessage(kind="sitrep", incident_id="PR-RAVEN21", recipients=("JFC", "JFSOCC PRCC")),
        CONTROLLER,
    )
    message_id = handled.value
    (m,) = publisher(demo).released(DIRECTOR, message_id=message_id)
    assert m.sha256 == hashlib.sha256(m.text.encode()).hexdigest()
    assert m.recipients == ["JFC", "JFSOCC PRCC"]
    assert m.template_version == 0
    before = m.text
    version = demo.bus.handle(
        cmd.PublishTemplate(kind="sitrep", text="SITREP {{ incident.id }} NEW FORMAT"), DIRECTOR
    ).value
    assert version == 1
    (again,) = publisher(demo).released(DIRECTOR, message_id=message_id)
    assert again.text == before
    assert "NEW FORMAT" in publisher(demo).render(DIRECTOR, MessageKind.SITREP, "PR-RAVEN21").text
    second = demo.bus.handle(cmd.PublishTemplate(kind="sitrep", text="{{ incident.title }}"), DIRECTOR).value
    assert second == 2


def test_who_may_publish_templates_and_release_messages(demo: Node):
    with pytest.raises(NotAuthorized):
        demo.bus.handle(cmd.PublishTemplate(kind="sitrep", text="x"), CONTROLLER)
    with pytest.raises(NotAuthorized):  # a component's officer: its own incident's SITREP, not a directive
        demo.bus.handle(
            cmd.ReleaseMessage(kind="support_directive", incident_id="PR-RAVEN21", recipients=("JFC",)),
            JFSOCC,
        )
    own = demo.bus.handle(
        cmd.ReleaseMessage(kind="sitrep", incident_id="PR-RAVEN21", recipients=("JPRCC",)), JFSOCC
    )
    assert own.value.startswith("MSG-")


def test_the_same_message_released_twice_at_the_same_instant_is_two_releases(
    tmp_path: Path, demo_snapshot: Path
):
    """On a stopped exercise clock two releases of the same text share their instant: each is its own."""
    from datetime import UTC, datetime

    from jprcc.core.clock import ManualClock

    clock = ManualClock(datetime(2026, 12, 5, 12, 0, tzinfo=UTC))
    node = bootstrap(fast_settings(demo_copy(demo_snapshot, tmp_path), tmp_path), clock=clock, migrate=True)
    try:
        release = cmd.ReleaseMessage(kind="theater_sitrep", recipients=("JFC",))
        first = node.bus.handle(release, DIRECTOR).value
        second = node.bus.handle(release, DIRECTOR).value
        assert first != second
        assert len(publisher(node).released(DIRECTOR)) == 2
    finally:
        node.close()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("{{ 1 // 0 }}", "ZeroDivisionError"),
        ("{{ '%d' % incident.title }}", "TypeError"),
        ("{% for i in range(99999) %}{% for j in range(99999) %}xxxxxxxxxx{% endfor %}{% endfor %}", "pass"),
        ("{{ incident.persons[40].name }}", "could not be rendered"),
    ],
)
def test_a_template_that_fails_on_the_data_is_answered_naming_it(demo: Node, text: str, named: str):
    demo.bus.handle(cmd.PublishTemplate(kind="sitrep", text=text), DIRECTOR)
    with pytest.raises(RuleViolation, match=named) as e:
        publisher(demo).render(DIRECTOR, MessageKind.SITREP, "PR-RAVEN21")
    assert e.value.field == "text"


def test_a_release_cannot_bring_its_own_text(demo: Node):
    forged = cmd.ReleaseMessage(
        kind="sitrep", incident_id="PR-RAVEN21", recipients=("JFC",), text="ALL CLEAR"
    )
    with pytest.raises(RuleViolation, match="brings no text"):
        demo.bus.handle(forged, DIRECTOR)
    assert publisher(demo).released(DIRECTOR) == []


# --- over the API ----------------------------------------------------------------------------------------


def test_the_api_previews_renders_releases_and_answers_bad_input_by_field(demo: Node):
    with TestClient(create_app(demo, sweep_alerts=False)) as client:

        def login(username: str) -> dict[str, str]:
            token = client.post(
                "/api/auth/token", data={"username": username, "password": f"demo-{username}"}
            )
            return {"Authorization": f"Bearer {token.json()['access_token']}"}

        director = login("director")
        text = client.post(
            "/api/messages/preview",
            json={"kind": "initial_report", "incident_id": "PR-RAVEN21"},
            headers=director,
        )
        assert text.status_code == 200
        assert text.headers["content-type"].startswith("text/plain")
        pdf = client.post("/api/messages/preview.pdf", json={"kind": "theater_sitrep"}, headers=director)
        assert pdf.content.startswith(b"%PDF")
        released = client.post(
            "/api/messages",
            json={"kind": "capability_poll", "incident_id": "PR-RAVEN21", "recipients": ["JFACC", "JFLCC"]},
            headers=director,
        )
        assert released.status_code == 201, released.text
        body = released.json()
        exact = client.get(f"/api/messages/{body['message_id']}.txt", headers=director).content
        assert hashlib.sha256(exact).hexdigest() == body["sha256"]
        assert client.get("/api/messages", headers=director).json()[0]["message_id"] == body["message_id"]
        bad = client.put(
            "/api/messages/templates/sitrep", json={"text": "{{ incident.callsign }}"}, headers=director
        )
        assert bad.status_code == 422
        assert "incident.callsign" in bad.text
        unknown = client.post(
            "/api/messages/preview", json={"kind": "sitrep", "incident_id": "PR-NOPE"}, headers=director
        )
        assert unknown.status_code == 404
        missing = client.post("/api/messages/preview", json={"kind": "sitrep"}, headers=director)
        assert missing.status_code == 422
        assert "incident_id" in missing.text
        width = client.post(
            "/api/messages/preview", json={"kind": "theater_sitrep", "line_length": 5}, headers=director
        )
        assert width.status_code == 422
        assert "line_length" in width.text
        templates = client.get("/api/messages/templates", headers=login("jfacc")).json()
        assert {t["kind"] for t in templates} == {k.value for k in MessageKind}


# --- the probability map in a SITREP ----------------------------------------------------------------


class TestSearchInTheSitrep:
    """A SITREP of an incident being searched for says where the person is likeliest and what was
    searched, in words and as a map; one with no search says none and draws none."""

    def test_a_searched_for_incident_s_sitrep_carries_the_map_and_its_figures(
        self, demo: Node, tmp_path: Path
    ):
        from jprcc.locate.service import Locate

        p = publisher(demo)
        r = p.render(DIRECTOR, MessageKind.SITREP, "PR-KNIGHT44")
        picture = demo.service(Locate).picture(DIRECTOR, "PR-KNIGHT44")
        search = r.data["search"]
        assert search["movement"] == "drifting at sea"
        assert search["searches"] == 1
        assert search["probability_of_success_so_far"] == pytest.approx(
            picture.cumulative_probability_of_success, abs=1e-3
        )
        assert search["radius_50_m"] == pytest.approx(picture.radius_m(0.5), abs=1)
        assert search["radius_50_m"] < search["radius_90_m"]
        assert f"CENTRE {search['centre']['mgrs']}" in r.text
        assert "1 AREA SEARCHED," in r.text
        captions = [c for c, _ in r.figures]
        assert any(c.startswith("Probability map") for c in captions)
        images = pages(p.pdf(r), tmp_path)
        assert len(images) == 3  # the text, the map extract and the clock, the probability map
        last = images[-1]
        assert (last[last.shape[0] // 12 : -last.shape[0] // 12] < 200).mean() > 0.02

    def test_without_a_search_the_sitrep_says_none_and_draws_no_map(self, demo: Node):
        r = publisher(demo).render(DIRECTOR, MessageKind.SITREP, "PR-RAVEN21")
        assert r.data["search"] is None
        assert "9. SEARCH: NONE" in r.text
        assert not any(c.startswith("Probability map") for c, _ in r.figures)

    def test_an_adopted_plan_is_in_the_words_and_on_the_map(self, demo: Node):
        from jprcc.locate import commands as locate_cmd
        from jprcc.locate.model import SearchAsset

        demo.bus.handle(
            locate_cmd.AdoptSearchPlan(
                incident_id="PR-KNIGHT44", assets=(SearchAsset("REAPER 55", 3000, 120, 4),)
            ),
            Actor("jfmcc", Role.PRCC_OFFICER, "JFMCC"),
        )
        r = publisher(demo).render(DIRECTOR, MessageKind.SITREP, "PR-KNIGHT44")
        plan = r.data["search"]["plan"]
        assert plan["assets"] == ["REAPER 55"]
        assert f"PLAN {plan['id']}" in r.text
        svg = next(svg for c, svg in r.figures if c.startswith("Probability map"))
        assert "REAPER 55" in svg

    @pytest.mark.parametrize("share", [0.5, 0.9])
    def test_the_containment_outlined_is_the_smallest_set_of_cells_holding_its_share(self, share: float):
        from jprcc.publishing.pictures import containment

        rng = np.random.default_rng(7)
        p = rng.gamma(0.5, size=(30, 30))
        p /= p.sum()
        mask = containment(p, share)
        assert p[mask].sum() >= share
        assert p[mask].min() >= p[~mask].max()  # the likeliest cells, none left out for a less likely one
        assert p[mask].sum() - p[mask].min() < share  # one cell fewer would not hold it

    def test_the_map_puts_the_likeliest_cells_and_the_searched_area_where_they_are(self):
        """North up, east right: a map drawn with an axis flipped puts them in the wrong corner."""
        import re
        from datetime import UTC, datetime

        from jprcc.publishing.pictures import HEAT, probability_map
        from jprcc.publishing.search import SearchPicture

        p = np.zeros((40, 40))
        p[2:6, 30:36] = 1.0  # near the northern edge (row 0), towards the east
        p /= p.sum()
        sp = SearchPicture(
            incident_id="PR-TEST",
            at=datetime(2026, 1, 1, tzinfo=UTC),
            bounds=(40.0, 9.0, 40.1, 9.13),
            probability=p,
            last_known=(40.05, 9.065),
            mean=(40.09, 9.11),
            radius_m={0.5: 500.0, 0.9: 900.0},
            movement="evading on foot",
            probability_of_success_so_far=0.0,
            searched=[[(40.0, 9.0), (40.02, 9.0), (40.02, 9.02), (40.0, 9.02)]],  # the south-west corner
            plan_id=None,
            plan_at=None,
            plan_probability_of_success=None,
            planned=[],
        )
        svg = probability_map(sp)
        width, height = (float(v) for v in re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg).groups())
        height -= 50  # the legend under the map
        darkest = [
            (float(x), float(y))
            for x, y, colour in re.findall(r'<rect x="([\d.]+)" y="([\d.]+)"[^>]*fill="(#[0-9a-f]+)"', svg)
            if colour == HEAT[-1]
        ]
        assert darkest
        assert all(x > width / 2 and y < height / 4 for x, y in darkest)  # north-east, as in the array
        searched = re.search(r'<path d="M([\d.]+) ([\d.]+)L[^"]*Z" fill="#777"', svg)
        x, y = float(searched.group(1)), float(searched.group(2))
        assert x < width / 4
        assert y > height * 3 / 4  # the south-west corner


# --- the operator's guide shows each message's first page ------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs"
EXAMPLES = {
    MessageKind.INITIAL_REPORT: "PR-RAVEN21",
    MessageKind.SITREP: "PR-RAVEN21",
    MessageKind.CAPABILITY_POLL: "PR-RAVEN21",
    MessageKind.SUPPORT_DIRECTIVE: "PR-RAVEN21",
    MessageKind.THEATER_SITREP: None,
    MessageKind.DAILY_SUMMARY: None,
    MessageKind.SPINS_PR: None,
    MessageKind.REINTEGRATION_STATUS: None,
    MessageKind.AFTER_ACTION: None,
}


def test_each_messages_first_page_is_in_the_guide(demo: Node, tmp_path: Path):
    guide = (DOCS / "operators-guide.md").read_text(encoding="utf-8")
    p = publisher(demo)
    for kind, incident in EXAMPLES.items():
        folder = tmp_path / kind.value
        folder.mkdir()
        first = pages(p.pdf(p.render(DIRECTOR, kind, incident)), folder, dpi=80)[0]
        assert (first < 200).mean() > 0.01
        name = f"message-{kind.value.replace('_', '-')}.png"
        assert f"images/{name}" in guide, name
        if os.environ.get("JPRCC_DOC_PICTURES") == "1":
            Image.fromarray(first).save(DOCS / "images" / name, optimize=True)
        assert (DOCS / "images" / name).stat().st_size > 5_000
    searched = tmp_path / "searched"
    searched.mkdir()
    last = pages(p.pdf(p.render(DIRECTOR, MessageKind.SITREP, "PR-KNIGHT44")), searched, dpi=80, grey=False)[
        -1
    ]
    name = "message-sitrep-probability-map.png"
    assert f"images/{name}" in guide
    if os.environ.get("JPRCC_DOC_PICTURES") == "1":
        Image.fromarray(last).save(DOCS / "images" / name, optimize=True)
    assert (DOCS / "images" / name).stat().st_size > 5_000
