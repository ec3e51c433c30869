"""The pure model of personnel recovery coordination: no I/O, no framework, no database.

Modules: ``model`` (vocabulary), ``records`` (shared records), ``commands``, ``events``,
``incident`` (state), ``evolution`` (events → state), ``brokering`` / ``casework`` /
``control`` (decisions), ``rules`` (shared checks), ``decide`` (the one entry to incident
decisions), ``theater``, ``accounts``, ``authorization``, ``errors``.
"""
