"""jprcc: software for a Joint Personnel Recovery Coordination Center."""

__version__ = "0.1.0"
