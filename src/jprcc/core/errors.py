"""Domain errors: every refusal says why, and names the field it concerns where there is one.

Exception tree::

    DomainError
    ├── NotFound                 an id that does not exist (incident, asset, user, ...)
    │   └── Withheld             an incident the actor may not know exists: answered as unknown
    ├── AuthenticationFailed     wrong or expired credentials
    ├── NotAuthorized            the actor's role or component may not issue this command
    ├── RuleViolation            the command breaks a rule of doctrine or of the data
    │   └── RelationshipConflict a command relationship would overlap a conflicting one
    ├── Conflict                 the command does not fit the current state
    │   ├── InvalidTransition    not allowed in the incident's current stage
    │   └── ConcurrencyConflict  someone else changed the record since it was read
    ├── RateLimited              too many tries too fast (with when to ask again)
    ├── Overloaded               the node is at its bound: nothing was done (with when to ask again)
    │   └── StoreBusy            the store refused or timed out: rolled back (with when to ask again)
    ├── Locked                   a record or an account locked after repeated failures
    └── VaultUnavailable         the vault key does not open the record

Entry points map them to answers: NotFound → 404, AuthenticationFailed → 401,
NotAuthorized → 403, RuleViolation → 422, Conflict → 409, RateLimited → 429, Locked → 423,
Overloaded and VaultUnavailable → 503; a refusal that says when to ask again carries
``Retry-After``.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal. ``code`` is stable and machine-readable; ``field`` is optional."""

    code = "domain_error"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        #: when asking again may succeed (answered as ``Retry-After``): a rate limit, an overload
        self.retry_after_s = retry_after_s
        if code is not None:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


class Withheld(NotFound):
    """An incident the actor may not even know exists (a component-bound role, an incident that
    does not involve its component): answered exactly as an id never used — ``unknown incident X``,
    field ``incident_id``, 404 — so that probing ids tells nothing. ``reason`` is the true one, for
    the server's log only, never for the answer."""

    def __init__(self, incident_id: str, reason: str) -> None:
        super().__init__(f"unknown incident {incident_id}", field="incident_id")
        self.incident_id = incident_id
        self.reason = reason


class AuthenticationFailed(DomainError):
    code = "authentication_failed"


class NotAuthorized(DomainError):
    code = "not_authorized"


class RuleViolation(DomainError):
    code = "rule_violation"


class RelationshipConflict(RuleViolation):
    code = "relationship_conflict"


class Conflict(DomainError):
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class ConcurrencyConflict(Conflict):
    code = "concurrency_conflict"


class RateLimited(DomainError):
    """Too many tries too fast: wait and ask again."""

    code = "rate_limited"


class Overloaded(DomainError):
    """The node is at its bound for this kind of work: nothing was done; ask again after
    ``retry_after_s`` (answered 503 with ``Retry-After``)."""

    code = "overloaded"


class StoreBusy(Overloaded):
    """The store refused or timed out (SQLite busy, a PostgreSQL lock or statement timeout, the
    server unreachable): the transaction was rolled back, so asking again is safe."""

    code = "store_busy"


class Locked(DomainError):
    """A record or an account locked after repeated failures; the JPRCC director unlocks it."""

    code = "locked"


class VaultUnavailable(DomainError):
    """The node's vault key does not open the record: a key set up wrongly, or rotated elsewhere."""

    code = "vault_unavailable"
