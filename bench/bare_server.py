"""The simplest honest server of a narrative command: FastAPI and psycopg 3, nothing else.

``bench scale`` runs it with uvicorn as ``jprcc serve`` runs ours (h11, N worker processes) and
sends it the same load, to show what this machine's cores allow any FastAPI server on PostgreSQL.
It does what a narrative command cannot do with less: it checks the bearer token against a
constant (no lookup), validates the body, inserts one row and commits, and answers the row's
number. No authorization, hash chain, read models or incident in the answer.

    BARE_DSN=postgresql://... python -m uvicorn bench.bare_server:app --workers 4 --http h11
"""

from __future__ import annotations

import os
import threading
from typing import Annotated, Any

import psycopg
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

TOKEN = "bare-bench-token"

app = FastAPI()
_local = threading.local()


def _connection() -> psycopg.Connection[Any]:
    """One connection per thread of the pool, opened on its first request."""
    conn: psycopg.Connection[Any] | None = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = psycopg.connect(os.environ["BARE_DSN"])
    return conn


class Entry(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


@app.post("/api/incidents/{incident_id}/narrative")
def add_entry(incident_id: str, entry: Entry, authorization: Annotated[str, Header()]) -> dict[str, Any]:
    if authorization != f"Bearer {TOKEN}":
        raise HTTPException(401, "unknown token")
    conn = _connection()
    with conn.transaction():
        found = conn.execute(
            "INSERT INTO bare_narrative (incident_id, text) VALUES (%s, %s) RETURNING n",
            (incident_id, entry.text),
        ).fetchone()
    assert found is not None
    return {"incident_id": incident_id, "version": found[0]}


SCHEMA = "CREATE TABLE bare_narrative (n SERIAL PRIMARY KEY, incident_id TEXT NOT NULL, text TEXT NOT NULL)"
