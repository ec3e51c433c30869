// The JFC's view of a nomination: the option, its assets and tasks per component, the times and the
// light at the pickup, P(success) and why, what other operations lose, the rationale, the
// alternatives set aside — everything the approval rests on, on one screen.
import { html } from "htm/preact";
import type { VNode } from "preact";
import type { Nomination } from "../api";
import { dtg, label } from "../format";
import { BUTTONS } from "./buttons";

/** The JFC's view of a nomination: everything the decision rests on, on one screen. */
export function NominationPackage(props: { nomination: Nomination; actions?: string[]; decide?: (action: string) => void }): VNode {
  const n = props.nomination;
  const o = n.adopted_option;
  const p = o?.package ?? null;
  const byComponent = n.contributions;
  const decide = props.actions ?? [];
  return html`<section class="package" data-package=${n.nomination_id}>
    <h3>Nomination ${n.nomination_id}: <b>${n.supported_component}</b> supported · ${label(n.support_kind)} support · P${n.priority}</h3>
    ${o ? html`<div data-package-option=${o.option_id}>Option <b>${o.option_id}</b>: ${o.summary}</div>` : null}
    <div class="figures">
      <span>P(success) <b data-package-p>${o?.p_success == null ? "–" : `${Math.round(o.p_success * 100)} %`}</b></span>
      <span>to care <b>${o ? `${Math.round(o.minutes_to_medical)} min` : "–"}</b>${p?.medical_facility ? ` (${p.medical_facility})` : ""}</span>
      <span>window <b>${dtg(n.window_start)} – ${dtg(n.window_end)}</b></span>
      ${p ? html`<span>pickup <b>${dtg(p.recovery_at)}</b></span>` : null}
    </div>
    ${p?.light_at_pickup ? html`<div data-package-light>Light at the pickup: <b>${p.light_at_pickup}</b>${p.matrix_row_at_pickup ? ` · matrix row ${p.matrix_row_at_pickup}` : ""}</div>` : null}
    ${p ? html`<div class="help">Launch ${dtg(p.launch_at)} · on scene ${dtg(p.on_scene_at)} · recovery ${dtg(p.recovery_at)} · at care ${dtg(p.at_medical_at)}</div>` : null}
    <table class="grid" data-package-tasks><thead><tr><th>component</th><th>assets and tasks</th></tr></thead>
      <tbody>${byComponent.map((c) => html`<tr><td><b>${c.component_id}</b>${c.component_id === n.supported_component ? " (supported)" : ""}</td>
        <td>${(p?.assets ?? []).filter((line) => line.includes(`, ${c.component_id}):`)).map((line) => html`<div>${line}</div>`)}
          ${p ? null : html`<div>${c.asset_ids.join(", ")} — ${c.task}</div>`}</td></tr>`)}</tbody></table>
    ${p?.disrupted.length ? html`<div class="alarm" data-package-loses><b>What other operations lose:</b> ${p.disrupted.join("; ")}</div>`
      : html`<div class="help" data-package-loses>No other operation loses an asset.</div>`}
    ${p?.reasons.length ? html`<div><b>Why P(success) is what it is</b><ul class="reasons">${p.reasons.map((r) => html`<li>${r}</li>`)}</ul></div>` : null}
    <div>Desired effects: ${n.desired_effects}</div>
    <div>Rationale: ${n.rationale || html`<i>none given</i>`}</div>
    ${n.alternatives.length ? html`<table class="grid" data-package-alternatives><thead><tr><th>alternative set aside</th><th>P(success)</th><th>to care</th><th>takes from others</th></tr></thead>
      <tbody>${n.alternatives.map((a) => html`<tr><td>${a.option_id} ${a.summary}</td><td>${a.p_success == null ? "–" : `${Math.round(a.p_success * 100)} %`}</td>
        <td>${Math.round(a.minutes_to_medical)} min</td><td>${a.disruption}</td></tr>`)}</tbody></table>` : null}
    ${decide.length ? html`<div class="buttons">${decide.map((a) => html`<button class=${a === "approve_nomination" ? "primary" : ""}
      data-decide=${a} onClick=${() => props.decide?.(a)}>${BUTTONS[a]}</button>`)}</div>` : null}
  </section>`;
}

