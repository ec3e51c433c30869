// Readiness: per component and unit, who lacks a valid ISOPREP or an evasion plan in force.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { UnitReadiness } from "../api";
import { label } from "../format";

export function ReadinessView(): VNode {
  const [units, setUnits] = useState<UnitReadiness[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api.get<UnitReadiness[]>("/api/readiness")
      .then(setUnits)
      .catch((err) => setError(err instanceof ApiError ? err.problem.message : String(err)));
  }, []);
  if (!units) return html`<section class="readiness"><p>${error || "Loading…"}</p></section>`;
  const lacking = units.reduce((n, u) => n + u.lacking.length, 0);
  return html`<section class="readiness" data-readiness>
    <h2>Personnel recovery readiness</h2>
    <p class="help">${units.length} units · ${lacking} persons lack a valid ISOPREP or an evasion plan in force</p>
    <table class="grid"><thead><tr><th>component</th><th>unit</th><th>persons</th><th>lacking</th></tr></thead>
      <tbody>${units.map((u) => html`<tr data-unit=${u.unit}>
        <td>${u.component_id}</td><td>${u.unit}</td><td>${u.persons}</td>
        <td>${u.lacking.length ? html`<ul>${u.lacking.map((p) => html`<li data-lacking=${p.person_ref}>
          <b>${p.name}</b>: ISOPREP <span class=${p.isoprep === "valid" ? "" : "alarm"}>${label(p.isoprep)}</span>
          ${p.epa_missions.length ? "" : html` · <span class="warn">no EPA in force</span>`}${p.locked ? html` · <b class="alarm">locked</b>` : ""}</li>`)}</ul>`
          : html`<span class="ok">ready</span>`}</td></tr>`)}</tbody></table>
  </section>`;
}
