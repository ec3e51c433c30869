"""Domain errors: every refusal says why, and names the field it concerns where there is one.

Exception tree::

    DomainError
    ├── NotFound                 an id that does not exist (incident, asset, user, ...)
    ├── AuthenticationFailed     wrong or expired credentials
    ├── NotAuthorized            the actor's role or component may not issue this command
    ├── RuleViolation            the command breaks a rule of doctrine or of the data
    │   └── RelationshipConflict a command relationship would overlap a conflicting one
    └── Conflict                 the command does not fit the current state
        ├── InvalidTransition    not allowed in the incident's current stage
        └── ConcurrencyConflict  someone else changed the record since it was read

Entry points map them to answers: NotFound → 404, AuthenticationFailed → 401,
NotAuthorized → 403,
RuleViolation → 422, Conflict → 409.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every refusal. ``code`` is stable and machine-readable; ``field`` is optional."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


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


class Locked(DomainError):
    """The record is locked after repeated failures; the JPRCC director unlocks it."""

    code = "locked"


class VaultUnavailable(DomainError):
    """The node's vault key does not open the record: a key set up wrongly, or rotated elsewhere."""

    code = "vault_unavailable"
