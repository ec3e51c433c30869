"""The log's canonical JSON (sorted keys, no spaces, text as UTF-8) is written by orjson on every
append: an event's payload, and the body its seal covers. The body must be the very bytes the
documented form gives (``json.dumps`` with sorted keys, compact separators and no ASCII escapes),
or records sealed before would not verify; a payload is sealed as written, so it need only decode
to the same values. Checked on every code point, on keys, on the numbers the two writers could
write differently, and on what orjson cannot write at all."""

from __future__ import annotations

import json
import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jprcc.core.store.codec import canonical_bytes, canonical_json


def documented(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_every_code_point_is_written_as_the_documented_form_writes_it():
    """Escapes (quotes, backslashes, control characters, short and \\u forms), DEL, the line
    separators, the byte order mark and every character past ASCII, in values and in keys."""
    points = [cp for cp in range(sys.maxunicode + 1) if not 0xD800 <= cp <= 0xDFFF]
    for start in range(0, len(points), 4096):
        text = "".join(chr(cp) for cp in points[start : start + 4096])
        assert canonical_bytes([text]) == documented([text]), hex(points[start])
        assert canonical_bytes({text: 1, "a": text}) == documented({text: 1, "a": text})
    for cp in range(0x80):  # (each alone too: an escape must not depend on its neighbours)
        assert canonical_bytes(chr(cp)) == documented(chr(cp)), hex(cp)


def test_keys_are_sorted_by_code_point_as_the_documented_form_sorts_them():
    data = {
        "\U0001f600": 1,
        "\uffff": 2,
        "é": 3,
        "a": 4,
        "B": 5,
        "": 6,
        "aa": {"z": 0, "Z": [1, {"y": 2, "x": 3}]},
    }
    assert canonical_bytes(data) == documented(data)


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**63), max_value=2**63 - 1)
        | st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x == 0 or abs(x) >= 1e-4)
        | st.text(st.characters(exclude_categories=["Cs"])),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.text(st.characters(exclude_categories=["Cs"]), max_size=5), inner, max_size=4
            )
        ),
        max_leaves=20,
    )
)
def test_any_json_value_is_written_as_the_documented_form_writes_it(data: object):
    assert canonical_bytes(data) == documented(data)


def test_a_record_body_is_the_documented_bytes():
    """The body a seal covers: numbers and text, the payload inside it as text."""
    payload = canonical_json({"text": 'a "quoted"\n\ttab\\ and \x00 and zoë 🚁', "n": 3})
    body = [
        2**40,
        "e-1",
        "node-a",
        "incident:PR-1",
        7,
        "NarrativeEntryAdded",
        "2026-12-07T01:02:03+00:00",
        "zoë",
        payload,
    ]
    assert canonical_bytes(body) == documented(body)


@pytest.mark.parametrize("x", [1e-05, 5e-5, -9.99e-5, 1.5e-7, 1e-300, 5e-324])
def test_a_float_under_a_ten_thousandth_may_be_written_otherwise_but_is_the_same_number(x: float):
    written = canonical_bytes({"p": x})
    assert json.loads(written) == {"p": x}
    assert math.copysign(1, json.loads(written)["p"]) == math.copysign(1, x)


@pytest.mark.parametrize("data", [{"n": 2**64}, [-(2**70)], {"text": "lone \ud800 surrogate"}])
def test_what_orjson_cannot_write_is_written_the_documented_way(data: object):
    """An integer past 64 bits is written exactly; a lone surrogate fails to encode as it always did."""
    if isinstance(data, dict) and "text" in data:
        with pytest.raises(UnicodeEncodeError):
            canonical_bytes(data)
        return
    assert canonical_bytes(data) == documented(data)
