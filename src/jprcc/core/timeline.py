"""One line of plain language per event: each capability declares its own lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Describer = Callable[[Any], str]
