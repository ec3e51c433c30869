"""The page's API types are generated from the OpenAPI document, never mirrored by hand: the
committed ``frontend/src/schema.ts`` is exactly what ``python -m jprcc.api.typescript`` writes."""

from __future__ import annotations

from pathlib import Path

from jprcc.api.typescript import generate, openapi

SCHEMA_TS = Path(__file__).resolve().parent.parent / "frontend" / "src" / "schema.ts"


def test_the_pages_api_types_are_generated_from_the_running_codes_openapi():
    assert SCHEMA_TS.read_text(encoding="utf-8") == generate(openapi()), (
        "the API changed: run `make types` (python -m jprcc.api.typescript > frontend/src/schema.ts)"
    )


def test_every_enumeration_the_server_accepts_is_listed_for_the_forms():
    text = SCHEMA_TS.read_text(encoding="utf-8")
    for name in ("Capability", "DutyStatus", "Disposition", "ReportChannel", "SourceConfidence", "Stage"):
        assert f"export const {name}_VALUES" in text


def test_an_answer_names_every_field_and_a_request_only_what_it_requires():
    document = openapi()
    out = generate(document)
    detail = out[out.index("export type IncidentDetail = {") :].split("};", 1)[0]
    assert "search_case: SearchCaseOut;" in detail  # sent in every answer
    assert "allowed_actions: string[];" in detail
    request = out[out.index("export type RemarksIn = {") :].split("};", 1)[0]
    assert "remarks?: string;" in request  # has a default: may be left out
