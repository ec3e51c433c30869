// Recovery options on the incident page: generated under the JPRCC's weights, compared side by side,
// shown on the map, and one adopted by a nomination that records the alternatives and why.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { Incident, RecoveryOption } from "../api";
import { loadOptions, NO_RESTRICTIONS, optionsQuery, takeIncident } from "../data";
import type { Restrictions } from "../data";
import { dtg, label } from "../format";
import { update, useStore } from "../store";
import { focusMap } from "./mapview";

type Weights = { time: number; risk: number; disruption: number };

const METHODS = ["rotary_wing_recovery", "ground_recovery", "sof_assisted_linkup", "maritime_surface_pickup", "unassisted_evasion"];
const restricted = (r: Restrictions) => r.scope !== "polled" || r.methods.length > 0 || !!r.assets.trim() || !!r.maxRisk.trim() || !!r.latestPickup;

/** The time of a step and the light there then ("25 0212Z · night, Moon up 62 % lit"). */
function lit(o: RecoveryOption, step: string, at: string | null): VNode | string {
  if (!at) return "–";
  const l = o.light[step];
  return html`${dtg(at)}${l ? html`<div class=${l.dark ? "help" : "warn"} data-light=${step}>${l.summary}</div>` : null}`;
}

const ROWS: [string, (o: RecoveryOption) => VNode | string][] = [
  ["flags", (o) => (o.flags.length ? html`<ul class="notes">${o.flags.map((f) => html`<li class="alarm" data-flag>${f}</li>`)}</ul>` : "none")],
  ["method", (o) => o.method_label],
  ["pickup site", (o) => o.site.name],
  ["supported", (o) => html`<b>${o.supported_component}</b>`],
  ["assets", (o) => html`<ul class="roles">${o.assets.map((a) => html`<li data-role=${a.role}>${label(a.role)}: <b>${a.callsign}</b> (${a.component_id})${a.offered === false ? html` <i>not offered</i>` : ""}</li>`)}</ul>`],
  ["launch", (o) => lit(o, "launch", o.launch_at)],
  ["on scene", (o) => lit(o, "on_scene", o.on_scene_at)],
  ["pickup", (o) => lit(o, "pickup", o.recovery_at)],
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
  const [limits, setLimits] = useState<Restrictions>(NO_RESTRICTIONS);
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
    try { await loadOptions(i.incident_id, weights, tacon, limits); } catch (err) { say(err); } finally { setBusy(false); }
  };
  const show = (id: string) => {
    update({ shownOption: id });
    focusMap(i.position.lat, i.position.lon, 9);
    location.hash = "#/map";
  };
  const nominate = async (id: string) => {
    if (!why.trim()) { setError("say why this option is adopted"); return; }
    const query = optionsQuery(weights, tacon, limits);
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
      <details class="restrictions" data-restrictions><summary>Restrict${restricted(limits) ? " (on)" : ""}</summary>
        <label class="weight">Assets of <select data-scope value=${limits.scope}
          onChange=${(e: Event) => setLimits({ ...limits, scope: (e.target as HTMLSelectElement).value as Restrictions["scope"] })}>
          <option value="polled">the polled components</option><option value="all">every component</option></select></label>
        <span class="weight">Not by: ${METHODS.map((m) => html`<label><input type="checkbox" data-exclude-method=${m}
          checked=${limits.methods.includes(m)} onChange=${(e: Event) => setLimits({ ...limits, methods: (e.target as HTMLInputElement).checked
            ? [...limits.methods, m] : limits.methods.filter((x) => x !== m) })} /> ${label(m)}</label>`)}</span>
        <label class="weight">Not these assets <input data-exclude-assets placeholder="JOLLY-11, OSPREY-21" value=${limits.assets}
          onInput=${(e: Event) => setLimits({ ...limits, assets: (e.target as HTMLInputElement).value })} /></label>
        <label class="weight">Risk ceiling (1 − P(success)) <input type="number" min="0.01" max="1" step="0.05" data-max-risk value=${limits.maxRisk}
          onInput=${(e: Event) => setLimits({ ...limits, maxRisk: (e.target as HTMLInputElement).value })} /></label>
        <label class="weight">Aboard by (UTC) <input type="datetime-local" data-latest-pickup value=${limits.latestPickup}
          onInput=${(e: Event) => setLimits({ ...limits, latestPickup: (e.target as HTMLInputElement).value })} /></label>
      </details>
      <button type="submit" data-generate-options disabled=${busy}>${busy ? "Generating…" : "Generate recovery options"}</button>
      <span class="error" data-options-error>${error}</span>
    </form>
    ${found ? html`
      ${found.matrix ? html`<div class="help">Matrix row ${found.matrix.matrix_row}: <b>${label(found.matrix.recommendation)}</b>${
        `, ${label(found.matrix.approval)} approves${found.matrix.wait_for_darkness ? "; the pickup waits for darkness" : ""} · `}generated ${dtg(found.generated_at)} in ${found.seconds.toFixed(2)} s${found.route_fields_reused ? " (route fields reused)" : ""}</div>` : null}
      <div class=${found.dark_minutes_left > 0 && found.dark_minutes_left < 120 ? "warn" : "help"} data-options-dark>${found.dark_minutes_left > 0
        ? `Dark: ${Math.round(found.dark_minutes_left)} min left at the person (first light ${found.first_light_at ? dtg(found.first_light_at) : "–"})`
        : `Daylight at the person: darkness begins ${found.last_light_at ? dtg(found.last_light_at) : "–"}`}${found.darkness_wanted ? " · the matrix wants the pickup in darkness" : ""}</div>
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
      ${found.restrictions.length ? html`<ul class="help restricted" data-restricted>${found.restrictions.map((n) => html`<li>${n}</li>`)}</ul>` : null}
      <ul class="help infeasible">${[...found.closed, ...found.infeasible].map((n) => html`<li>${n}</li>`)}</ul>` : null}
  </div>`;
}
