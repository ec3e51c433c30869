"""The threat-decision matrix: the shipped default covers every situation, reaches every row and
explains each; edited matrices are checked the same way before they are accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from jprcc.core.errors import RuleViolation
from jprcc.intel import decision
from jprcc.intel.decision import Approach, Approval, all_situations
from jprcc.intel.service import DEFAULT_MATRIX

DEFAULT = decision.parse(yaml.safe_load(Path(DEFAULT_MATRIX).read_text(encoding="utf-8")))


def situation(**given: str) -> dict[str, str]:
    calm = {
        "threat_at_person": "low",
        "threat_on_route": "low",
        "light": "night",
        "moon": "dim",
        "weather": "vmc",
        "mobility": "mobile",
        "location": "certain",
        "authentication": "authenticated",
        "custody": "free",
    }
    return calm | given


class TestTheDefaultMatrix:
    def test_covers_all_1152_situations_and_reaches_every_row(self):
        assert len(all_situations()) == 3 * 3 * 2 * 2 * 2 * 2 * 2 * 2 * 2
        decided = {DEFAULT.decide(s)[0] for s in all_situations()}
        assert decided == set(range(len(DEFAULT.rows)))

    def test_every_row_explains_its_recommendation(self):
        for row in DEFAULT.rows:
            assert len(row.why.split()) >= 12, row.why

    def test_the_guide_explains_every_row_in_order(self):
        guide = (Path(__file__).resolve().parent.parent / "docs" / "operators-guide.md").read_text(
            encoding="utf-8"
        )
        for number, row in enumerate(DEFAULT.rows, start=1):
            heading = f"Row {number}:"
            assert heading in guide, heading
            section = guide.split(heading, 1)[1].split("\n### ", 1)[0]
            assert row.recommend.value in section
            assert row.approval.value in section

    @pytest.mark.parametrize(
        ("facts", "approach", "approval", "row"),
        [
            ({}, Approach.IMMEDIATE, Approval.COMPONENT, 12),
            ({"custody": "detained"}, Approach.DELIBERATE, Approval.JFC, 1),
            (
                {"custody": "detained", "location": "uncertain", "threat_at_person": "high"},
                Approach.DELIBERATE,
                Approval.JFC,
                1,
            ),
            ({"weather": "imc"}, Approach.DELIBERATE, Approval.JPRCC, 11),
            ({"weather": "imc", "threat_at_person": "medium"}, Approach.IMMEDIATE, Approval.JPRCC, 9),
            ({"location": "uncertain", "threat_at_person": "high"}, Approach.DELIBERATE, Approval.JPRCC, 2),
            (
                {"authentication": "unauthenticated", "threat_at_person": "medium"},
                Approach.DELIBERATE,
                Approval.JPRCC,
                3,
            ),
            (
                {"threat_at_person": "high", "threat_on_route": "high"},
                Approach.UNASSISTED_EVASION,
                Approval.JPRCC,
                4,
            ),
            (
                {"threat_at_person": "high", "threat_on_route": "high", "mobility": "injured"},
                Approach.EXTERNAL_SUPPORTED,
                Approval.JFC,
                5,
            ),
            ({"threat_at_person": "high"}, Approach.EXTERNAL_SUPPORTED, Approval.JFC, 6),
            ({"threat_at_person": "medium", "light": "day"}, Approach.DELIBERATE, Approval.COMPONENT, 7),
            ({"threat_on_route": "medium", "light": "day"}, Approach.DELIBERATE, Approval.COMPONENT, 8),
            (
                {"threat_at_person": "medium", "light": "day", "mobility": "injured"},
                Approach.IMMEDIATE,
                Approval.JPRCC,
                9,
            ),
            ({"threat_on_route": "medium"}, Approach.IMMEDIATE, Approval.JPRCC, 10),
        ],
    )
    def test_recommends_what_doctrine_would(self, facts, approach, approval, row):
        index, chosen = DEFAULT.decide(situation(**facts))
        assert (chosen.recommend, chosen.approval, index + 1) == (approach, approval, row)

    def test_high_threat_never_goes_in_without_a_supported_package_or_evasion(self):
        for s in all_situations():
            if s["custody"] == "detained":
                continue  # a raid the JFC ordered (row 1)
            if s["location"] == "certain" and "high" in (s["threat_at_person"], s["threat_on_route"]):
                if s["authentication"] == "unauthenticated" and s["threat_at_person"] != "low":
                    continue  # authenticate first (row 3)
                assert DEFAULT.decide(s)[1].recommend in (
                    Approach.EXTERNAL_SUPPORTED,
                    Approach.UNASSISTED_EVASION,
                ), s


class TestAssessment:
    def test_numbers_become_levels_and_reasons(self):
        decided = decision.assess(
            DEFAULT,
            threat_at_person=0.3,
            threat_on_route=0.5,
            dark=True,
            injured=True,
            uncertainty_m=300,
            authenticated=True,
        )
        assert decided.situation == situation(
            threat_at_person="medium", threat_on_route="high", mobility="injured"
        )
        assert (decided.approach, decided.approval, decided.row) == (
            Approach.EXTERNAL_SUPPORTED,
            Approval.JFC,
            5,
        )
        assert "threat at the person 0.30 (medium)" in decided.reasons
        assert "position ±300 m (certain)" in decided.reasons

    @pytest.mark.parametrize(
        ("threat", "level"), [(0.0, "low"), (0.1499, "low"), (0.15, "medium"), (0.45, "high"), (1.0, "high")]
    )
    def test_threat_levels_begin_at_the_thresholds(self, threat, level):
        assert DEFAULT.level(threat) == level

    @given(
        at_person=st.floats(0, 1),
        on_route=st.floats(0, 1),
        dark=st.booleans(),
        injured=st.booleans(),
        uncertainty=st.floats(0, 50_000),
        authenticated=st.booleans(),
    )
    def test_every_situation_gets_an_answer_with_seven_reasons(
        self, at_person, on_route, dark, injured, uncertainty, authenticated
    ):
        decided = decision.assess(
            DEFAULT,
            threat_at_person=at_person,
            threat_on_route=on_route,
            dark=dark,
            injured=injured,
            uncertainty_m=uncertainty,
            authenticated=authenticated,
        )
        assert 1 <= decided.row <= len(DEFAULT.rows)
        assert len(decided.reasons) == 7
        assert decided.why == DEFAULT.rows[decided.row - 1].why


class TestEditedMatrices:
    def rows(self, *rows: dict) -> dict:
        return {"rows": list(rows)}

    def row(self, when: dict, recommend: str = "immediate") -> dict:
        return {"when": when, "recommend": recommend, "approval": "component", "why": "because"}

    def test_a_matrix_without_a_catch_all_is_refused(self):
        with pytest.raises(RuleViolation, match="no row covers") as refused:
            decision.parse(self.rows(self.row({"light": "day"})))
        assert refused.value.field == "rows"

    def test_a_row_shadowed_by_the_rows_above_is_refused_by_number(self):
        with pytest.raises(RuleViolation, match=r"row 2 .* can never be reached") as refused:
            decision.parse(self.rows(self.row({}), self.row({"light": "day"})))
        assert refused.value.field == "rows[1]"

    @pytest.mark.parametrize(
        ("bad", "field", "message"),
        [
            ({"when": {"sea_state": "bad"}}, "rows[0].when", "unknown criterion 'sea_state'"),
            ({"when": {"weather": "fog"}}, "rows[0].when.weather", "weather takes vmc, imc"),
            ({"when": {"light": "dusk"}}, "rows[0].when.light", "light takes day, night"),
            ({"recommend": "wait"}, "rows[0]", "'wait' is not a valid Approach"),
            ({"approval": "president"}, "rows[0]", "not a valid Approval"),
            ({"why": "  "}, "rows[0].why", "explains its recommendation"),
        ],
    )
    def test_a_bad_row_is_refused_naming_its_place(self, bad, field, message):
        with pytest.raises(RuleViolation, match=message) as refused:
            decision.parse(self.rows(self.row({}) | bad))
        assert refused.value.field == field

    @pytest.mark.parametrize(
        ("data", "field"),
        [
            ([], "rows"),
            ({"rows": []}, "rows"),
            ({"rows": ["x"]}, "rows[0]"),
            ({"threat_levels": {"medium": 0.5, "high": 0.2}, "rows": [{}]}, "threat_levels"),
            ({"location_certain_within_m": 0, "rows": [{}]}, "location_certain_within_m"),
            ({"location_certain_within_m": float("nan"), "rows": [{}]}, "location_certain_within_m"),
            ({"location_certain_within_m": "far", "rows": [{}]}, "location_certain_within_m"),
            ({"threat_levels": [1], "rows": [{}]}, "threat_levels"),
            ({"threat_levels": {"medium": "abc"}, "rows": [{}]}, "threat_levels.medium"),
            ({"threat_levels": {"high": True}, "rows": [{}]}, "threat_levels.high"),
            ({"rows": [{"when": [1]}]}, "rows[0].when"),
            ({"rows": [{"when": {"light": 1}}]}, "rows[0].when.light"),
            ({"rows": [{"when": {"light": ["day", 2]}}]}, "rows[0].when.light"),
        ],
    )
    def test_a_malformed_matrix_is_refused_naming_the_field(self, data, field):
        with pytest.raises(RuleViolation) as refused:
            decision.parse(data)
        assert refused.value.field == field
