"""The page's API types, generated from the OpenAPI document instead of mirrored by hand.

``python -m jprcc.api.typescript > frontend/src/schema.ts`` writes one TypeScript type per schema
of the API (request bodies, answers, enumerations) and, for every enumeration, the list of its
values (``Capability_VALUES``), so that the page's forms offer exactly what the server accepts. A
test holds the committed file to what this module generates from the running code.

The mapping is the JSON Schema subset pydantic emits: objects with ``properties`` and ``required``
(optional properties get ``?``), ``anyOf`` / ``oneOf`` as unions (``null`` included), ``enum`` and
``const`` as string literals, arrays, maps (``additionalProperties``), and ``$ref`` by name.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

HEADER = (
    "// Generated from the OpenAPI document by `python -m jprcc.api.typescript`: do not edit.\n"
    "// The page's API types and the values of every enumeration the server accepts.\n"
)
PRIMITIVES = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}
INPUT = re.compile(r"(In|Create|Update|Query)$")
"""Request models: a property with a default may be left out. In answers every property is sent."""


def openapi() -> dict[str, Any]:
    """The node's OpenAPI document (built on an unconnected in-memory store)."""
    from jprcc.api.app import create_app
    from jprcc.core.node import bootstrap
    from jprcc.core.settings import Settings

    node = bootstrap(Settings(database_url="sqlite://"), migrate=False)
    try:
        return create_app(node, sweep_alerts=False).openapi()
    finally:
        node.close()


def name_of(ref: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", ref.rsplit("/", 1)[-1])


def ts(schema: dict[str, Any], indent: str = "", answer: bool = True) -> str:
    """The TypeScript type of one JSON schema."""
    if "$ref" in schema:
        return name_of(schema["$ref"])
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            parts = list(dict.fromkeys(ts(s, indent, answer) for s in schema[key]))
            return " | ".join(parts)
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(PRIMITIVES.get(k, "unknown") for k in kind)
    if kind == "array" and "prefixItems" in schema:  # a tuple, e.g. [lat, lon]
        return "[" + ", ".join(ts(item, indent) for item in schema["prefixItems"]) + "]"
    if kind == "array":
        item = ts(schema.get("items", {}), indent)
        return f"({item})[]" if "|" in item else f"{item}[]"
    if kind == "object" or "properties" in schema:
        return _object(schema, indent, answer)
    return PRIMITIVES.get(str(kind), "unknown")


def _object(schema: dict[str, Any], indent: str, answer: bool) -> str:
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    if not properties:
        if isinstance(extra, dict):
            return f"Record<string, {ts(extra, indent)}>"
        return "Record<string, unknown>"
    required = set(schema.get("required", []))
    if answer:
        required |= {name for name, prop in properties.items() if "default" in prop}
    inner = indent + "  "
    lines = []
    for name, prop in properties.items():
        doc = prop.get("description")
        if doc:
            lines.append(f"{inner}/** {doc.strip().replace('*/', '* /')} */")
        optional = "" if name in required else "?"
        lines.append(
            f"{inner}{json.dumps(name) if not name.isidentifier() else name}{optional}: {ts(prop, inner)};"
        )
    return "{\n" + "\n".join(lines) + f"\n{indent}}}"


def generate(document: dict[str, Any]) -> str:
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    out = [HEADER]
    for raw in sorted(schemas):
        schema = schemas[raw]
        name = name_of(raw)
        doc = schema.get("description")
        if doc:
            out.append("/** " + " ".join(doc.split()).replace("*/", "* /") + " */")
        out.append(f"export type {name} = {ts(schema, answer=not INPUT.search(name))};")
        if "enum" in schema:
            values = ", ".join(json.dumps(v) for v in schema["enum"])
            out.append(f"export const {name}_VALUES: readonly {name}[] = [{values}];")
        out.append("")
    return "\n".join(out)


def main() -> None:
    sys.stdout.write(generate(openapi()))


if __name__ == "__main__":
    main()
