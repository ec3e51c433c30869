"""The check of a message template, and the sandbox it is rendered in.

A template is Jinja2 text, rendered in a sandbox (``jinja2.sandbox.SandboxedEnvironment``) from
plain data (dicts, lists, text, numbers): it can reach nothing but what its kind's schema declares.
``check`` reads a template before it is kept and refuses, naming the field, one that uses a field
its schema does not have, reaches for an attribute beginning with ``_`` (the way out of a sandbox
starts there), calls anything but ``range``, or loads other templates.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from jprcc.core.errors import RuleViolation
from jprcc.publishing.model import BOOL, MAX_TEMPLATE, OPTIONAL, SCHEMAS, MessageKind

GLOBALS = frozenset({"range"})
LOOP = frozenset(
    {"index", "index0", "revindex", "revindex0", "first", "last", "length", "previtem", "nextitem"}
)


def environment() -> SandboxedEnvironment:
    """The one environment templates are checked and rendered in."""
    env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)
    env.globals = {"range": range}
    return env


class _Any:
    """Data the check cannot follow (a ``set`` of a computed value): anything goes."""


ANY = _Any()


@dataclass(frozen=True)
class _Found:
    schema: Any
    path: str


def check(kind: MessageKind, text: str) -> list[str]:
    """The fields ``text`` uses, or a ``RuleViolation`` naming the one it may not (field ``text``)."""
    if len(text) > MAX_TEMPLATE:
        raise RuleViolation(f"a template holds at most {MAX_TEMPLATE} characters", field="text")
    env = environment()
    try:
        tree = env.parse(text)
        walker = _Walker(SCHEMAS[kind], env)
        walker.body(tree.body, {})
    except TemplateSyntaxError as e:
        raise RuleViolation(f"template line {e.lineno}: {e.message}", field="text") from None
    except RecursionError:
        raise RuleViolation("the template nests too deeply to be read", field="text") from None
    return sorted(walker.used)


class _Walker:
    def __init__(self, schema: Mapping[str, Any], env: SandboxedEnvironment) -> None:
        self.schema = schema
        self.env = env
        self.used: set[str] = set()

    def _refuse(self, node: nodes.Node, why: str) -> RuleViolation:
        return RuleViolation(f"template line {node.lineno}: {why}", field="text")

    def body(self, statements: list[nodes.Node], scope: dict[str, _Found]) -> None:
        for node in statements:
            self.statement(node, scope)

    def statement(self, node: nodes.Node, scope: dict[str, _Found]) -> None:
        if isinstance(node, (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            raise self._refuse(node, "a template cannot load other templates")
        if isinstance(node, (nodes.Macro, nodes.CallBlock)):
            raise self._refuse(node, "macros are not available in message templates")
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                if not isinstance(child, nodes.TemplateData):
                    self.expr(child, scope)
        elif isinstance(node, nodes.For):
            found = self.expr(node.iter, scope)
            inner = dict(scope)
            element = (
                _Found(found.schema[0], found.path + "[]")
                if isinstance(found.schema, list)
                else _Found(ANY, found.path + "[]")
            )
            for name in self._targets(node.target):
                inner[name] = element if isinstance(node.target, nodes.Name) else _Found(ANY, name)
            inner["loop"] = _Found("loop", "loop")
            if node.test is not None:
                self.expr(node.test, inner)
            self.body(node.body, inner)
            self.body(node.else_, scope)
        elif isinstance(node, nodes.If):
            self.expr(node.test, scope)
            self.body(node.body, scope)
            for branch in node.elif_:
                self.statement(branch, scope)
            self.body(node.else_, scope)
        elif isinstance(node, nodes.Assign):
            found = self.expr(node.node, scope)
            for name in self._targets(node.target):
                scope[name] = found if isinstance(node.target, nodes.Name) else _Found(ANY, name)
        elif isinstance(node, nodes.With):
            inner = dict(scope)
            for target, value in zip(node.targets, node.values, strict=True):
                found = self.expr(value, scope)
                for name in self._targets(target):
                    inner[name] = found
            self.body(node.body, inner)
        elif isinstance(node, nodes.FilterBlock):
            self._filter_name(node.filter, node)
            self.body(node.body, scope)
        elif isinstance(node, nodes.Scope | nodes.ScopedEvalContextModifier):
            self.body(node.body, scope)
        elif isinstance(node, nodes.ExprStmt):
            self.expr(node.node, scope)
        else:
            raise self._refuse(node, f"{type(node).__name__.lower()} is not available in message templates")

    def _targets(self, target: nodes.Node) -> Iterator[str]:
        if isinstance(target, nodes.Name):
            yield target.name
        elif isinstance(target, nodes.Tuple):
            for item in target.items:
                yield from self._targets(item)

    def _filter_name(self, f: nodes.Filter, node: nodes.Node) -> None:
        if f.name not in self.env.filters:
            raise self._refuse(node, f"no filter {f.name!r}")

    def _field(self, node: nodes.Node, base: _Found, name: str) -> _Found:
        if name.startswith("_"):
            raise self._refuse(node, f"{base.path}.{name}: attributes beginning with _ are not allowed")
        path = f"{base.path}.{name}"
        if base.schema is ANY:
            return _Found(ANY, path)
        if base.schema == "loop":
            if name not in LOOP:
                raise self._refuse(node, f"loop.{name} is not a loop variable")
            return _Found(ANY, path)
        if isinstance(base.schema, dict):
            if name == OPTIONAL or name not in base.schema:
                known = ", ".join(f"{base.path}.{k}" for k in base.schema if k != OPTIONAL)
                raise self._refuse(node, f"unknown field {path} (known: {known})")
            self.used.add(path.replace("[]", ""))
            return _Found(base.schema[name], path)
        raise self._refuse(node, f"{base.path} is {_kind(base.schema)}: it has no field {name}")

    def expr(self, node: nodes.Node, scope: dict[str, _Found]) -> _Found:
        if isinstance(node, nodes.Name):
            if node.name in scope:
                return scope[node.name]
            if node.name in GLOBALS:
                return _Found(ANY, node.name)
            if node.name not in self.schema:
                known = ", ".join(sorted(self.schema))
                raise self._refuse(node, f"unknown field {node.name} (known: {known})")
            self.used.add(node.name)
            return _Found(self.schema[node.name], node.name)
        if isinstance(node, nodes.Getattr):
            return self._field(node, self.expr(node.node, scope), node.attr)
        if isinstance(node, nodes.Getitem):
            base = self.expr(node.node, scope)
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self._field(node, base, node.arg.value)
            self.expr(node.arg, scope)
            if isinstance(base.schema, list):
                return _Found(base.schema[0], base.path + "[]")
            return _Found(ANY, base.path + "[]")
        if isinstance(node, nodes.Filter):
            self._filter_name(node, node)
            base = self.expr(node.node, scope) if node.node is not None else _Found(ANY, "")
            for arg in [*node.args, *(k.value for k in node.kwargs)]:
                self.expr(arg, scope)
            if node.name in ("first", "last", "random") and isinstance(base.schema, list):
                return _Found(base.schema[0], base.path + "[]")
            if node.name in ("default", "d", "sort", "reverse", "unique", "list"):
                return base
            return _Found(ANY, base.path)
        if isinstance(node, nodes.Call):
            if not (isinstance(node.node, nodes.Name) and node.node.name in GLOBALS):
                raise self._refuse(node, "calls are not allowed (use filters: |upper, |join(', '), ...)")
            for arg in [*node.args, *(k.value for k in node.kwargs)]:
                self.expr(arg, scope)
            return _Found(ANY, "range")
        if isinstance(node, nodes.Test):
            self.expr(node.node, scope)
            for arg in node.args:
                self.expr(arg, scope)
            return _Found(BOOL, "")
        if isinstance(node, (nodes.Const, nodes.TemplateData)):
            return _Found(ANY, "")
        for child in node.iter_child_nodes():
            self.expr(child, scope)
        return _Found(ANY, "")


def _kind(schema: Any) -> str:
    if isinstance(schema, list):
        return "a list"
    return f"a {schema}" if isinstance(schema, str) else "a value"
