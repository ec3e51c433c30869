// Recovery options on the incident page: generated under the JPRCC's weights, compared side by side,
// shown on the map, and one adopted by a nomination that records the alternatives and why.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { Incident, RecoveryOption } from "../api";
import { loadOptions, takeIncident } from "../data";
import { dtg, label } from "../format";
import { update, useStore } from "../store";
import { focusMap } from "./mapview";

type Weights = { time: number; risk: number; disruption: number };

const ROWS: [string, (o: RecoveryOption) => VNode | string][] = [
  ["method", (o) => o.method_label],
  ["pickup site", (o) => o.site.name],
  ["supported", (o) => html`<b>${o.supported_component}</b>`],
  ["assets", (o) => html`<ul class="roles">${o.assets.map((a) => html`<li data-role=${a.role}>${label(a.role)}: <b>${a.callsign}</b> (${a.component_id})${a.offered === false ? html` <i>not offered</i>` : ""}</li>`)}</ul>`],
  ["launch", (o) => (o.launch_at ? dtg(o.launch_at) : "–")],
  ["on scene", (o) => (o.on_scene_at ? dtg(o.on_scene_at) : "–")],
  ["at care", (o) => (o.at_medical_at ? `${dtg(o.at_medical_at)} · ${o.medical_facility}` : "–")],
  ["P(success)", (o) => (o.p_success === null ? "–" : o.p_success.toFixed(2))],
  ["threat on route", (o) => o.threat_on_route.toFixed(2)],
  ["disruption", (o) => (o.disrupted.length ? html`<span class="warn">${o.disrupted.join("; ")}</span>` : "none")],
  ["components / hand-offs", (o) => `${o.components.length} / ${o.handoffs}`],
  ["score", (o) => html`<b>${o.score.toFixed(2)}</b> <span class="help">${Object.entries(o.score_terms).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(" · ")}</span>`],
  ["TACON", (o) => (o.tacon_transfers.length ? html`<b class="alarm">${o.tacon_transfers.join("; ")}</b>` : "stays with owners")],
  ["notes", (o) => html`<ul class="notes">${o.notes.map((n) => html`<li class=${n.startsWith("REQUIRES") ? "alarm" : ""}>${n}</li>`)}</ul>`],
];

export function OptionsPanel(props: { incident: Incident }): VNode {
  const s = useStore();
  const [weights, setWeights] = useState<Weights>({ time: 1, risk: 1, disruption: 1 });
  const [tacon, setTacon] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [adopting, setAdopting] = useState<string | null>(null);
  const [why, setWhy] = useState("");
  const i = props.incident;
  const found = s.options?.incident_id === i.incident_id ? s.options : null;
  const canNominate = i.allowed_actions.includes("nominate");
  const say = (err: unknown) => setError(err instanceof ApiError ? err.problem.message : String(err));

  const generate = async () => {
    setBusy(true);
    setError("");
    try { await loadOptions(i.incident_id, weights, tacon); } catch (err) { say(err); } finally { setBusy(false); }
  };
  const show = (id: string) => {
    update({ shownOption: id });
    focusMap(i.position.lat, i.position.lon, 9);
    location.hash = "#/map";
  };
  const nominate = async (id: string) => {
    if (!why.trim()) { setError("say why this option is adopted"); return; }
    const query = new URLSearchParams({
      w_time: String(weights.time), w_risk: String(weights.risk), w_disruption: String(weights.disruption), tacon: String(tacon),
    });
    let answer: unknown;
    try {
      answer = await api.post(`/api/incidents/${encodeURIComponent(i.incident_id)}/options/${id}/nomination?${query}`,
        { rationale: why, expected_version: i.version });
    } catch (err) { say(err); return; }
    setAdopting(null);
    setWhy("");
    setError("");
    takeIncident(answer);
  };
  const weight = (key: keyof Weights, text: string) => html`<label class="weight">${text}
    <input type="number" min="0" max="1000" step="0.1" data-weight=${key} value=${weights[key]}
      onInput=${(e: Event) => setWeights({ ...weights, [key]: Number((e.target as HTMLInputElement).value) })} /></label>`;
  const shown = found ? found.options.slice(0, 4) : [];
  return html`<div class="options" data-options>
    <form class="inline" onSubmit=${(e: Event) => { e.preventDefault(); void generate(); }}>
      ${weight("time", "per hour to care")} ${weight("risk", "per risk point")} ${weight("disruption", "per disruption point")}
      <label class="weight"><input type="checkbox" data-tacon checked=${tacon}
        onChange=${(e: Event) => setTacon((e.target as HTMLInputElement).checked)} /> TACON options too</label>
      <button type="submit" data-generate-options disabled=${busy}>${busy ? "Generating…" : "Generate recovery options"}</button>
      <span class="error" data-options-error>${error}</span>
    </form>
    ${found ? html`
      ${found.matrix ? html`<div class="help">Matrix row ${found.matrix.matrix_row}: <b>${label(found.matrix.recommendation)}</b>${
        `, ${label(found.matrix.approval)} approves${found.matrix.wait_for_darkness ? "; the pickup waits for darkness" : ""} · `}generated ${dtg(found.generated_at)} in ${found.seconds.toFixed(2)} s${found.route_fields_reused ? " (route fields reused)" : ""}</div>` : null}
      ${shown.length ? html`<div class="scroll"><table class="grid side-by-side">
        <thead><tr><th></th>${shown.map((o, n) => html`<th data-option=${o.option_id}>${n + 1}. ${o.option_id}
          <div><button type="button" data-show-option=${o.option_id} onClick=${() => show(o.option_id)}>Show on map</button>
          ${canNominate && !o.tacon_transfers.length && o.assets.length ? html`<button type="button" data-nominate=${o.option_id}
            onClick=${() => { setAdopting(o.option_id); setError(""); }}>Nominate this</button>` : null}</div></th>`)}</tr></thead>
        <tbody>${ROWS.map(([name, cell]) => html`<tr><th>${name}</th>${shown.map((o) => html`<td>${cell(o)}</td>`)}</tr>`)}</tbody>
      </table></div>` : html`<p class="help">No option can be assembled now.</p>`}
      ${adopting ? html`<form class="adopt" data-adopt=${adopting} onSubmit=${(e: Event) => { e.preventDefault(); void nominate(adopting); }}>
        <label>Why ${adopting} over the others (recorded with the nomination)
          <textarea name="rationale" value=${why} onInput=${(e: Event) => setWhy((e.target as HTMLTextAreaElement).value)}></textarea></label>
        <button type="submit" data-confirm-nomination>Nominate</button>
        <button type="button" onClick=${() => setAdopting(null)}>Cancel</button></form>` : null}
      ${found.also_considered.length ? html`<div class="help">Also considered (dominated): ${found.also_considered.map((o) => `${o.option_id} ${o.summary}`).join("; ")}</div>` : null}
      <ul class="help infeasible">${[...found.closed, ...found.infeasible].map((n) => html`<li>${n}</li>`)}</ul>` : null}
  </div>`;
}
