"""YAML from people and files, read so that no file can hurt the node.

``yaml.safe_load`` builds no objects but still follows aliases (a 437-byte "billion laughs" file
expands to millions of nodes, and its error echoes them) and recurses as deep as the file nests.
``load`` refuses, before anything is built:

- **aliases and anchors** (``&a`` / ``*a``): files here never need them, and they are how a small
  file becomes a huge one;
- more than ``MAX_NODES`` nodes, or nesting deeper than ``MAX_DEPTH``;
- text over ``MAX_BYTES``, a NUL or another control character, a byte sequence that is not UTF-8.

Every refusal is a ``YamlRefused`` whose message names the line and column and the rule, and never
repeats the file's content.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent

MAX_BYTES = 5 * 1024 * 1024
MAX_NODES = 200_000
MAX_DEPTH = 40


class YamlRefused(ValueError):
    """A YAML text refused: ``str(e)`` says where and why, without its content."""


class _Guarded(yaml.SafeLoader):
    """The safe loader, composing each node only after it passes the rules."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        mark = event.start_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}"
        if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
            raise YamlRefused(f"{where}: anchors and aliases (& and *) are not accepted")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise YamlRefused(f"{where}: more than {MAX_NODES:,} values")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlRefused(f"{where}: nested deeper than {MAX_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load(text: str | bytes) -> Any:
    """The YAML document in ``text``, or ``YamlRefused`` saying where and why."""
    return _read(text, many=False)


def load_all(text: str | bytes) -> list[Any]:
    """Every document in ``text`` (separated by ``---``), under the same rules and bounds."""
    found: list[Any] = _read(text, many=True)
    return found


def _read(text: str | bytes, many: bool) -> Any:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as e:
            raise YamlRefused(f"byte {e.start}: not UTF-8 text") from None
    if len(text) > MAX_BYTES:
        raise YamlRefused(f"the file is over {MAX_BYTES // (1024 * 1024)} MiB")
    for n, line in enumerate(text.splitlines(), 1):
        bad = next((c for c in line if (c < " " and c != "\t") or c == "\x7f"), None)
        if bad is not None:
            raise YamlRefused(f"line {n}: a control character (U+{ord(bad):04X}) is not accepted")
    try:
        loader = _Guarded(text)  # the reader refuses characters YAML does not allow, here
    except yaml.YAMLError as e:
        raise YamlRefused(f"not YAML text ({str(e).splitlines()[0][:80]})") from None
    try:
        if not many:
            return loader.get_single_data()
        docs = []
        while loader.check_data():  # type: ignore[no-untyped-call]
            docs.append(loader.get_data())
        return docs
    except YamlRefused:
        raise
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "the file"
        raise YamlRefused(f"{where}: not YAML ({(e.problem or e.context or 'unreadable')[:80]})") from None
    except (yaml.YAMLError, RecursionError, ValueError, TypeError) as e:
        raise YamlRefused(f"not YAML ({type(e).__name__})") from None
    finally:
        loader.dispose()
