"""ISOPREP rules: the authentication number, validity and expiry, readiness."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jprcc.core.errors import RuleViolation
from jprcc.records.model import (
    Readiness,
    RecordIndex,
    check_authentication_number,
    normalise_answer,
    valid_until,
)


class TestAuthenticationNumber:
    @pytest.mark.parametrize("number", ["1357", "2468", "9513", "1243", "8642", "3197"])
    def test_numbers_that_keep_the_rules_are_accepted(self, number):
        check_authentication_number(number)

    @pytest.mark.parametrize(
        ("number", "rule"),
        [
            ("1230", "1 to 9 only"),
            ("0123", "1 to 9 only"),
            ("123", "four digits"),
            ("12345", "four digits"),
            ("12a4", "four digits"),
            ("1134", "repeated"),
            ("1231", "repeated"),
            ("1235", "in sequence"),
            ("9875", "in sequence"),
            ("5678", "in sequence"),
            ("4321", "in sequence"),
        ],
    )
    def test_numbers_that_break_a_rule_are_refused_naming_it(self, number, rule):
        with pytest.raises(RuleViolation, match=rule) as refused:
            check_authentication_number(number)
        assert refused.value.field == "authentication_number"
        assert number not in refused.value.message

    @given(st.text(alphabet="123456789", min_size=4, max_size=4))
    def test_every_four_digit_number_is_judged_by_the_three_rules_alone(self, number):
        digits = [int(d) for d in number]
        sequence = any(
            b - a == c - b and abs(b - a) == 1
            for a, b, c in zip(digits, digits[1:], digits[2:], strict=False)
        )
        ok = len(set(number)) == 4 and not sequence
        try:
            check_authentication_number(number)
            assert ok
        except RuleViolation:
            assert not ok


class TestValidity:
    def test_validity_runs_the_theaters_months_from_the_review_date(self):
        assert valid_until(date(2026, 1, 15), 6) == date(2026, 7, 15)
        assert valid_until(date(2026, 8, 31), 6) == date(2027, 2, 28)
        assert valid_until(date(2027, 12, 31), 12) == date(2028, 12, 31)

    def index(self, review: date, complete: bool = True, months: int = 12) -> RecordIndex:
        return RecordIndex(
            "P-1", "SGT A", "USA", "RAVEN 21", "JFSOCC", review, complete, validity_months=months
        )

    def test_a_record_is_valid_then_expiring_in_its_last_30_days_then_expired(self):
        record = self.index(date(2026, 1, 10), months=6)
        assert record.readiness(date(2026, 6, 1)) is Readiness.VALID
        assert record.readiness(date(2026, 6, 20)) is Readiness.EXPIRING
        assert record.readiness(date(2026, 7, 10)) is Readiness.EXPIRING
        assert record.readiness(date(2026, 7, 11)) is Readiness.EXPIRED

    def test_an_incomplete_record_is_never_valid(self):
        assert (
            self.index(date(2026, 6, 1), complete=False).readiness(date(2026, 6, 2)) is Readiness.INCOMPLETE
        )


def test_answers_compare_without_case_accents_composition_or_spacing():
    assert normalise_answer("  Black  Lab ") == normalise_answer("black lab")
    assert normalise_answer("\uff2d\uff41\uff58") == normalise_answer("max")  # full-width letters
    assert normalise_answer("max") != normalise_answer("rex")


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        # a carriage return inside a field and a stray quote (found by the API fuzzer): rows, not a crash
        ('M\r\u0001\U0001f534\u00dc\n"', "rows", "nothing imported"),
        ("name,unit\n" + '"' + "x" * 200_000 + '",u\n', "csv", "field larger than field limit"),
    ],
    ids=["stray-quote", "huge-field"],
)
def test_a_csv_roster_that_cannot_be_read_is_refused_naming_where(text, field, words):
    from jprcc.records.importing import from_csv

    with pytest.raises(RuleViolation, match=words) as refused:
        from_csv(text, date(2026, 12, 1))
    assert refused.value.field == field
    assert "x" * 100 not in str(refused.value), "the refusal never echoes the text"
