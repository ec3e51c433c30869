"""Search models stored before destinations from an evasion plan were sealed.

Such a model held the plan's destinations (names and positions) in clear, in the event log and
the incident's document. When a log from before chain keys is sealed (once, on the upgrade), each
such model is rewritten: every destination of a model that took them from a plan is sealed under
the person's data key, in the order they were stored (the given and the plan's were stored
together and cannot be told apart; sealing both keeps the simulation exactly as it was)."""

from __future__ import annotations

from typing import Any

from jprcc.records.sealing import seal_destinations
from jprcc.records.vault import Vault, load_master_key


def seal_model_destinations(payload: dict[str, Any], context: Any) -> dict[str, Any]:
    movement = payload.get("model", {}).get("movement", {})
    if movement.get("kind") != "evader" or not movement.get("from_epa") or not movement.get("destinations"):
        return payload
    settings = context.settings
    vault = Vault(load_master_key(settings.vault_key, settings.vault_key_file, settings.data_dir))
    clear = [
        {
            "name": d["name"],
            "lat": d["position"]["lat"],
            "lon": d["position"]["lon"],
            "weight": d.get("weight", 1.0),
        }
        for d in movement["destinations"]
    ]
    sealed = seal_destinations(context.conn, vault, movement["from_epa"], payload["incident_id"], clear)
    model = {**payload["model"], "movement": {**movement, "destinations": [], "sealed_destinations": sealed}}
    return {**payload, "model": model}
