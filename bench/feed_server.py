"""Serve one version of jprcc for ``bench/feed.py``: ``python bench/feed_server.py before|after``.

Run with that version's ``PYTHONPATH`` and its ``JPRCC_*`` settings (a data dir holding the demo);
binds a free loopback port, prints ``{"port": ..., "jprcc": <where jprcc was imported from>}`` on
one line, then serves with uvicorn until terminated. The alert sweep is off, so that only the
benchmark's commands write to the log. Imports nothing from ``bench``.
"""

from __future__ import annotations

import json
import socket
import sys

import uvicorn

import jprcc
from jprcc.api.app import create_app

if sys.argv[1] == "before":  # the layout before the restructuring
    from jprcc.bootstrap import bootstrap
else:
    from jprcc.core.node import bootstrap

app = create_app(bootstrap(), sweep_alerts=False)
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", 0))
config = uvicorn.Config(
    app, log_config=None, access_log=False, lifespan="on", backlog=2048, timeout_graceful_shutdown=1
)
print(json.dumps({"port": sock.getsockname()[1], "jprcc": jprcc.__file__}), flush=True)
uvicorn.Server(config).run(sockets=[sock])
