// The reintegration board (every isolated person: their step, where they are, who holds them, the
// next decision and its time) and each person's journey: the lifecycle strip, the custody chain,
// the reintegration phases with their checklists, the team, the timeline; the actions this user
// may take, and only those.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { FeedEvent, HandOff, Journey, PersonRow, PhaseRecord } from "../api";
import { dtg, label, readUtc, span } from "../format";
import "../persons.css";
import { CustodianKind_VALUES, type Phase } from "../schema";
import { state, update, useStore } from "../store";
import { type Field, FormModal, type Values } from "./form";
import { nodeDate, nodeNow } from "../time";

/** How a lifecycle step is said on the board and the strip. */
const STEP_WORDS: Record<string, string> = {
  isolated: "isolated", evading: "evading", missing: "missing", dustwun: "DUSTWUN", captured: "captured",
  released: "released", in_friendly_custody: "friendly custody", phase_I: "phase I", phase_II: "phase II",
  phase_III: "phase III", medical_care: "medical care", deceased: "deceased", returned_to_duty: "returned to duty",
  medically_retired: "medically retired", remains_identified: "remains identified", case_closed: "case closed",
};
/** The colour family of each step: at large, held, between hands, friendly, reintegrating, ended. */
const TONES: Record<string, string> = {
  isolated: "out", evading: "out", missing: "out", dustwun: "out", captured: "held", released: "between",
  in_friendly_custody: "friendly", phase_I: "phase", phase_II: "phase", phase_III: "phase", medical_care: "phase",
  deceased: "held", returned_to_duty: "done", medically_retired: "done", remains_identified: "done",
  case_closed: "closed",
};
const OUT_THERE = ["evading", "missing", "dustwun", "captured"];
/** Custodians that belong to a component: the component must be named. */
const COMPONENT_KINDS = ["component_unit", "aircraft", "vessel"];
const NEXT_PHASE: Record<string, Phase | null> = { I: "II", II: "III", III: null };
/** The next decision turns amber this long before it falls due (ms). */
const NEAR_MS = 12 * 3600_000;
const TICK_MS = 30_000;

export const stepWord = (step: string) => STEP_WORDS[step] ?? label(step);

export function LifecycleChip(props: { step: string }): VNode {
  return html`<span class=${`life-chip tone-${TONES[props.step] ?? "out"}`} data-lifecycle=${props.step}>${stepWord(props.step)}</span>`;
}

const enc = encodeURIComponent;
export const personLink = (incidentId: string, personId: string) => `#/person/${enc(incidentId)}/${enc(personId)}`;
const journeyPath = (j: Journey, tail = "") => `/api/incidents/${enc(j.incident_id)}/persons/${enc(j.person_id)}/journey${tail}`;
const problem = (error: unknown) => (error instanceof ApiError ? error.problem.message : String(error));
const LOAD_FAILED = "could not load the journey of";
/** Take this screen's own error notice down when the screen goes. */
function forget(prefix: string): void {
  if (state.error.startsWith(prefix)) update({ error: "" });
}

/** A time a decision is due by: how long until it, or how long overdue; red overdue, amber near. */
function Due(props: { at: string | null; now: number }): VNode | null {
  if (!props.at) return null;
  const left = Date.parse(props.at) - props.now;
  const level = left <= 0 ? "over" : left < NEAR_MS ? "near" : "ok";
  return html`<span class=${`due ${level}`} data-due=${level} title=${`due ${dtg(props.at)}`}>
    ${left <= 0 ? html`<b>OVERDUE ${span(left)}</b>` : `in ${span(left)}`} <span class="mono">${dtg(props.at)}</span></span>`;
}

/** A clock that redraws the page's countdowns. */
function useNow(): number {
  const [now, setNow] = useState(nodeNow());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(nodeNow()), TICK_MS);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

/** Call ``load`` a moment after the last of a burst of feed frames that ``concerns`` says matter. */
function useFrames(concerns: (e: FeedEvent) => boolean, load: () => void): void {
  const s = useStore();
  const seen = useRef(s.feed[0]?.seq ?? 0);
  const timer = useRef(0);
  const newest = s.feed[0]?.seq ?? 0;
  useEffect(() => {
    const fresh = s.feed.filter((e) => e.seq > seen.current);
    seen.current = Math.max(seen.current, newest);
    if (!fresh.some(concerns)) return;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(load, 300);
  }, [newest]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
}

// --- the reintegration board ---------------------------------------------------------------------

function boardQuery(route: string): { ended: boolean; component: string } {
  const query = new URLSearchParams(route.split("?")[1] ?? "");
  return { ended: query.get("ended") === "1", component: query.get("component") ?? "" };
}

function boardRoute(ended: boolean, component: string): string {
  const query = new URLSearchParams();
  if (ended) query.set("ended", "1");
  if (component) query.set("component", component);
  const tail = query.toString();
  return `#/persons${tail ? `?${tail}` : ""}`;
}

export function PersonsView(): VNode {
  const s = useStore();
  const { ended, component } = boardQuery(s.route);
  const [rows, setRows] = useState<PersonRow[] | null>(null);
  /** what the rows shown were asked for ("ended:component") */
  const [shownFor, setShownFor] = useState("");
  const now = useNow();
  const asked = useRef(0);
  const load = () => {
    const n = ++asked.current;
    const query = new URLSearchParams({ include_ended: String(ended) });
    if (component) query.set("component", component);
    api.get<PersonRow[]>(`/api/persons?${query}`).then(
      (found) => { if (n === asked.current) { setRows(found); setShownFor(`${ended ? 1 : 0}:${component}`); if (state.error.startsWith("could not load the persons")) update({ error: "" }); } },
      (error) => { if (n === asked.current) update({ error: `could not load the persons: ${problem(error)}` }); },
    );
  };
  useEffect(load, [ended, component]);
  useEffect(() => () => forget("could not load the persons"), []);
  useFrames((e) => e.stream_id.startsWith("person:") || e.incident_id !== null, load);
  const go = (e: Event, row: PersonRow) => {
    if ((e.target as HTMLElement).closest("a")) return;
    location.hash = personLink(row.incident_id, row.person_id);
  };
  const overdue = (rows ?? []).filter((r) => !r.ended && r.next_due && Date.parse(r.next_due) <= now).length;
  return html`<section class="persons-board" data-persons-board=${shownFor}>
    <div class="filters">
      <h2>Reintegration board</h2>
      <label class="check"><input type="checkbox" name="show-ended" checked=${ended}
        onChange=${(e: Event) => { location.hash = boardRoute((e.target as HTMLInputElement).checked, component); }} /> show ended</label>
      <label>Component <select name="persons-component" value=${component}
          onChange=${(e: Event) => { location.hash = boardRoute(ended, (e.target as HTMLSelectElement).value); }}>
        <option value="">all</option>${s.components.map((c) => html`<option value=${c.component_id}>${c.component_id}</option>`)}</select></label>
      <span class="shown" data-persons-shown>${rows === null ? "loading…" : html`<b>${rows.length}</b> ${rows.length === 1 ? "person" : "persons"}${
        ended ? "" : " on their way back"} · <b class=${overdue ? "alarm" : ""}>${overdue} overdue</b>`}</span>
    </div>
    ${rows && !rows.length ? html`<p class="help">Nobody ${ended ? "" : "on their way back "}${component ? `of ${component} ` : ""}is on the board.</p>` : null}
    ${rows?.length ? html`<table class="grid dense persons-table">
      <thead><tr><th>step</th><th>person</th><th>component</th><th>incident</th><th>location</th><th>custodian</th><th>next decision</th><th>due</th></tr></thead>
      <tbody>${rows.map((r) => {
        const late = !r.ended && r.next_due !== null && Date.parse(r.next_due) <= now;
        return html`<tr key=${r.person_id} class=${`${late ? "late" : ""} ${r.ended ? "ended" : ""}`} data-person-row=${r.person_id}
            data-row-lifecycle=${r.lifecycle} onClick=${(e: Event) => go(e, r)}>
          <td><${LifecycleChip} step=${r.lifecycle} /></td>
          <td class="nowrap"><a href=${personLink(r.incident_id, r.person_id)} data-person-link>${r.name}</a></td>
          <td>${r.component_id}</td>
          <td class="nowrap"><a href=${`#/incident/${enc(r.incident_id)}`} class="mono">${r.incident_id}</a></td>
          <td>${r.location || html`<span class="help">—</span>`}</td>
          <td>${r.custodian || html`<span class="help">—</span>`}</td>
          <td class="next">${r.next_decision || (r.ended ? html`<span class="help">accounted for ${dtg(r.updated_at)}</span>` : "—")}</td>
          <td class="when"><${Due} at=${r.ended ? null : r.next_due} now=${now} /></td>
        </tr>`;
      })}</tbody></table>` : null}
  </section>`;
}

// --- the lifecycle strip -------------------------------------------------------------------------

interface Step { key: string; label: string; state: "done" | "current" | "todo"; tone: string; note?: string; }

/** The steps before ``at`` done, ``at`` current (in its tone), the rest to come. */
function marked(keys: [string, string][], at: number, tone: string, note?: string): Step[] {
  return keys.map(([key, words], i) => ({
    key, label: words, state: i < at ? "done" : i === at ? "current" : "todo",
    tone: i < at ? "done" : i === at ? tone : "", note: i === at ? note : undefined,
  }));
}

/** The steps of a person's lifecycle, the current one marked, from where the journey stands. */
export function lifecycleSteps(j: Journey): Step[] {
  // a case closed without an end of the journey (a false alarm, a duplicate): where the person was
  const life = j.lifecycle === "case_closed" ? (j.duty_status === "recovered" ? "in_friendly_custody" : j.duty_status) : j.lifecycle;
  if (life === "deceased" || life === "remains_identified") {
    return marked([["isolated", "isolated"], ["out", "evading / missing / DUSTWUN"], ["deceased", "deceased"],
      ["remains_identified", "remains identified"]], life === "deceased" ? 2 : 3, life === "deceased" ? "held" : "done");
  }
  let out = "evading / missing / DUSTWUN / captured";
  let back = "released / recovered";
  let end = "returned to duty / medically retired";
  let at = 0;
  let note: string | undefined;
  const last = j.phases[j.phases.length - 1];
  // the steps behind, as they happened to this person (from their timeline)
  const seen = new Set(j.timeline.map((e) => e.event_type));
  const custody = j.timeline.filter((e) => e.event_type === "person_custody_changed").map((e) => e.summary);
  const how = [seen.has("persons_released") || custody.some((c) => c.includes("(released)")) ? "released" : "",
    seen.has("persons_recovered") || custody.some((c) => c.includes("(recovered)")) ? "recovered" : ""].filter(Boolean);
  if (seen.has("persons_detained")) out = "captured";
  if (how.length) back = how.join(", then ");
  if (OUT_THERE.includes(life)) { at = 1; out = stepWord(life); }
  else if (life === "released") { at = 2; back = "released"; }
  else if (life === "in_friendly_custody") {
    const next = last?.decision === "continue" ? NEXT_PHASE[last.phase] : null;
    if (next) { at = 4 + ["I", "II", "III"].indexOf(next); note = "to begin"; }
    else at = 3;
  } else if (life.startsWith("phase_")) at = 4 + ["I", "II", "III"].indexOf(life.slice(6));
  else if (life === "medical_care") { at = 7; end = "medical care"; note = "then duty or retirement"; }
  else if (life === "returned_to_duty" || life === "medically_retired") { at = 7; end = stepWord(life); }
  return marked([["isolated", "isolated"], ["out", out], ["back", back], ["custody", "friendly custody"], ["phase_I", "phase I"],
    ["phase_II", "phase II"], ["phase_III", "phase III"], ["end", end]], at, j.ended ? "done" : TONES[life] ?? "friendly",
    j.lifecycle === "case_closed" ? "case closed" : note);
}

function LifecycleStrip(props: { journey: Journey }): VNode {
  const steps = lifecycleSteps(props.journey);
  return html`<ol class="lifecycle" data-lifecycle-strip=${props.journey.lifecycle} aria-label="where the person is in their journey">
    ${steps.map((st, i) => html`<li class=${`step ${st.state} ${st.tone ? `tone-${st.tone}` : ""}`} data-step=${st.key} data-step-state=${st.state}
        aria-current=${st.state === "current" ? "step" : undefined}>
      <span class="dot" aria-hidden="true">${st.state === "done" || st.tone === "done" ? "✓" : i + 1}</span>
      <span class="step-label">${st.label}</span>
      ${st.note ? html`<span class="step-note">${st.note}</span>` : null}
    </li>`)}
  </ol>`;
}

// --- the journey's actions -----------------------------------------------------------------------

interface Prepared { fields: Field[]; send: (values: Values) => Promise<Journey>; }
interface JourneyAction {
  title: string; submitLabel: string; button: string;
  /** whether the journey as it stands leaves room for the action (the server offers by rights) */
  fits: (j: Journey) => boolean;
  prepare: (j: Journey) => Prepared;
}

const components = () => state.components.map((c) => ({ value: c.component_id, label: `${c.component_id} — ${c.name}` }));
const remarks: Field = { name: "remarks", label: "Remarks", kind: "textarea" };
const pendingOf = (j: Journey): HandOff | undefined => j.custody.find((h) => h.status === "pending");
const openPhase = (j: Journey): PhaseRecord | undefined => j.phases.find((p) => p.decision === null);
function nextPhase(j: Journey): Phase | null {
  const last = j.phases[j.phases.length - 1];
  if (!last) return "I";
  return last.decision === "continue" ? NEXT_PHASE[last.phase] : null;
}

/** A time field that reads "now" unless changed: sent as the moment of sending when left as it was. */
function whenField(name: string, lbl: string): { field: Field; read: (v: unknown) => string } {
  const initial = dtg(nodeDate().toISOString());
  return {
    field: { name, label: lbl, kind: "text", required: true, initial, help: "UTC: a date-time group (250310Z NOV 26) or 2026-11-25 03:10",
      validate: (v) => { const t = readUtc(String(v)); return typeof t === "string" ? t : null; } },
    read: (v) => {
      if (v === initial) return nodeDate().toISOString();
      const t = readUtc(String(v));
      if (typeof t === "string") throw new Error(t);
      return t.toISOString();
    },
  };
}

const KIND_WORDS: Record<string, string> = {
  captor: "captor", negotiator: "negotiator", icrc: "ICRC", ngo: "NGO", host_nation: "host nation", embassy: "embassy",
  component_unit: "component unit", aircraft: "aircraft", vessel: "vessel", medical_facility: "medical facility",
  reintegration_team: "reintegration team",
};
const kinds = CustodianKind_VALUES.map((k) => ({ value: k, label: KIND_WORDS[k] ?? label(k) }));
/** A custodian's kind with its other fields: a name, and the component of a unit, an aircraft or a vessel. */
const custodianProblem = (kind: unknown, name: unknown, component: unknown) => (!kind ? null
  : !String(name ?? "").trim() ? "name it below"
  : COMPONENT_KINDS.includes(String(kind)) && !component ? `${KIND_WORDS[String(kind)] ?? label(String(kind))}: choose its component below` : null);

export const JOURNEY_ACTIONS: Record<string, JourneyAction> = {
  record_handoff: {
    title: "Record a custody hand-off", submitLabel: "Record hand-off", button: "Record hand-off",
    fits: (j) => !j.ended && !pendingOf(j),
    prepare: (j) => {
      const at = whenField("at", "When the person changed hands");
      const first = !j.custody.length;
      const fields: Field[] = [
        { name: "receiver_kind", label: "Received by", kind: "select", required: true, options: kinds, aliases: ["receiver"],
          validate: (v, all) => (all.receiver_name ? custodianProblem(v, all.receiver_name, all.receiver_component) : null),
          initial: j.duty_status === "recovered" ? "medical_facility" : j.duty_status === "captured" ? "icrc" : "component_unit" },
        { name: "receiver_name", label: "Receiver's name (unit, callsign, facility)", kind: "text", required: true },
        { name: "receiver_component", label: "Receiver's component", kind: "select", options: components(),
          help: "a unit, an aircraft or a vessel belongs to one; a military hospital may name one" },
        { name: "location", label: "Where", kind: "text", required: true },
        at.field,
        { name: "side", label: "You record it for", kind: "select", required: true, initial: "receiver", options: [
          { value: "receiver", label: "the receiver (it has the person now)" }, { value: "giver", label: "the giver (it handed the person over)" }],
          help: "the other side acknowledges; a captor signs nothing, and the first hand-off of a person on their own needs no one" },
      ];
      if (first) {
        fields.push(
          { name: "giver_kind", label: "Handed over by (only if someone held the person before)", kind: "select", options: kinds, aliases: ["giver"],
            help: j.duty_status === "captured" ? "leave empty: the captor is assumed" : "leave empty when the person was on their own",
            validate: (v, all) => custodianProblem(v, all.giver_name, all.giver_component) },
          { name: "giver_name", label: "Giver's name", kind: "text" },
          { name: "giver_component", label: "Giver's component", kind: "select", options: components() },
        );
      }
      fields.push(remarks);
      return {
        fields,
        send: (v) => api.post<Journey>(journeyPath(j, "/handoffs"), {
          receiver: { kind: v.receiver_kind, name: String(v.receiver_name).trim(), component_id: v.receiver_component || null },
          location: String(v.location).trim(), at: at.read(v.at), side: v.side, remarks: v.remarks,
          ...(first && v.giver_kind ? { giver: { kind: v.giver_kind, name: String(v.giver_name).trim(), component_id: v.giver_component || null } } : {}),
        }),
      };
    },
  },
  acknowledge_handoff: {
    title: "Acknowledge the hand-off", submitLabel: "Acknowledge", button: "Acknowledge",
    fits: (j) => Boolean(pendingOf(j)),
    prepare: (j) => {
      const h = pendingOf(j)!;
      return {
        fields: [
          { name: "handoff", label: "Hand-off", kind: "custom", render: () => html`<div data-acknowledging=${h.handoff_id}>
            <b>${h.handoff_id}</b>: ${h.giver?.label ?? "—"} → <b>${h.receiver.label}</b> at ${h.location}, ${dtg(h.at)}
            <div class="help">recorded by ${h.recorded_by} for the ${h.recorded_side}; you acknowledge for the ${h.waits_for}</div></div>` },
          remarks,
        ],
        send: (v) => api.post<Journey>(journeyPath(j, `/handoffs/${enc(h.handoff_id)}/acknowledgement`), { remarks: v.remarks }),
      };
    },
  },
  begin_phase: {
    title: "Begin a reintegration phase", submitLabel: "Begin phase", button: "Begin phase",
    fits: (j) => !j.ended && j.duty_status === "recovered" && nextPhase(j) !== null,
    prepare: (j) => {
      const last = j.phases[j.phases.length - 1];
      const next = nextPhase(j) ?? "I";
      return {
        fields: [
          { name: "phase", label: "Phase", kind: "select", required: true, initial: next, options: [
            { value: "I", label: "Phase I — initial care and debrief, in theater" }, { value: "II", label: "Phase II — decompression" },
            { value: "III", label: "Phase III — home: family, unit, return to duty" }] },
          { name: "facility", label: "Facility", kind: "text", required: true, initial: last?.facility ?? "" },
          { name: "location", label: "Location", kind: "text", required: true, initial: last?.location ?? j.custody[j.custody.length - 1]?.location ?? "" },
          { name: "component_id", label: "Component that runs the phase", kind: "select", options: components(),
            help: "none: a national facility" },
        ],
        send: (v) => api.post<Journey>(journeyPath(j, "/phases"), {
          phase: v.phase, location: String(v.location).trim(), facility: String(v.facility).trim(), component_id: v.component_id || null }),
      };
    },
  },
  assign_team_member: {
    title: "Name a member of the reintegration team", submitLabel: "Assign", button: "Assign team member",
    fits: (j) => !j.ended,
    prepare: (j) => ({
      fields: [
        { name: "role", label: "Role", kind: "select", required: true, options: j.team_roles.map((r) => ({
          value: r, label: `${label(r)}${j.team[r] ? ` (now ${j.team[r]})` : ""}` })) },
        { name: "name", label: "Name", kind: "text", required: true },
      ],
      send: (v) => api.post<Journey>(journeyPath(j, "/team"), { role: v.role, name: String(v.name).trim() }),
    }),
  },
  decide_phase: {
    title: "Decide the end of the phase", submitLabel: "Decide", button: "Decide phase",
    fits: (j) => Boolean(openPhase(j)),
    prepare: (j) => {
      const p = openPhase(j)!;
      const open = p.checklist.filter((c) => !c.done_at).length;
      const early = p.minimum_until && Date.parse(p.minimum_until) > nodeNow();
      const why = [early ? `phase ${p.phase} lasts until ${dtg(p.minimum_until)} (${span(Date.parse(p.minimum_until!) - nodeNow())} left)` : "",
        open ? `${open} checklist item${open === 1 ? "" : "s"} open` : ""].filter(Boolean);
      const next = NEXT_PHASE[p.phase];
      return {
        fields: [
          { name: "decision", label: `Phase ${p.phase} ends with`, kind: "select", required: true, options: [
            ...(next ? [{ value: "continue", label: `continue to phase ${next}` }] : []),
            { value: "return_to_duty", label: "return to duty (the journey ends)" },
            { value: "medical", label: "medical care (out of reintegration)" }] },
          { name: "reason", label: "Reason", kind: "textarea", required: true },
          { name: "override_reason", label: "Override: why end it before its time, or with its checklist open", kind: "textarea",
            help: why.length ? `needed now: ${why.join("; ")}` : "not needed: the minimum time is over and the checklist is done" },
          { name: "medical_facility", label: "Medical facility (for medical care)", kind: "text",
            validate: (v, all) => (all.decision === "medical" && !String(v ?? "").trim() ? "name the facility" : null) },
        ],
        send: (v) => api.post<Journey>(journeyPath(j, "/decision"), {
          decision: v.decision, reason: v.reason, override_reason: v.override_reason, medical_facility: v.medical_facility }),
      };
    },
  },
  end_journey: {
    title: "Account for the person: the journey's end", submitLabel: "End the journey", button: "End journey",
    fits: (j) => !j.ended && ((j.duty_status === "deceased" && j.remains_identified) || j.phases[j.phases.length - 1]?.decision === "medical"),
    prepare: (j) => ({
      fields: [
        { name: "end", label: "End", kind: "select", required: true, options: j.duty_status === "deceased"
          ? [{ value: "remains_identified", label: "remains identified" }]
          : [{ value: "returned_to_duty", label: "returned to duty" }, { value: "medically_retired", label: "medically retired" }] },
        remarks,
      ],
      send: (v) => api.post<Journey>(journeyPath(j, "/end"), { end: v.end, remarks: v.remarks }),
    }),
  },
};
/** The header's buttons, in the order a journey reaches them (the others sit where they act). */
const HEADER_ACTIONS = ["record_handoff", "begin_phase", "assign_team_member", "decide_phase", "end_journey"];

// --- the person's page ---------------------------------------------------------------------------

function Custody(props: { journey: Journey; acknowledge: (() => void) | null }): VNode {
  const j = props.journey;
  if (!j.custody.length) return html`<p class="help" data-custody>No hand-off recorded: the chain begins with the first custodian.</p>`;
  return html`<table class="grid dense custody" data-custody>
    <thead><tr><th>#</th><th>from</th><th>to</th><th>where</th><th>when</th><th>recorded</th><th>status</th></tr></thead>
    <tbody>${j.custody.map((h) => html`<tr class=${h.status} data-handoff=${h.handoff_id} data-handoff-status=${h.status}>
      <td class="mono">${h.handoff_id}</td>
      <td>${h.giver ? html`<span class=${h.giver.friendly ? "" : "hostile"}>${h.giver.label}</span>` : html`<span class="help">on their own</span>`}</td>
      <td><b>${h.receiver.label}</b></td>
      <td>${h.location}</td>
      <td class="mono">${dtg(h.at)}</td>
      <td>${h.recorded_by} <span class="help">for the ${h.recorded_side}</span>${h.remarks ? html`<div class="help">${h.remarks}</div>` : null}</td>
      <td>${h.status === "pending"
        ? html`<b class="warn">waits for the ${h.waits_for}</b>${props.acknowledge
          ? html` <button class="primary" data-acknowledge-handoff=${h.handoff_id} onClick=${props.acknowledge}>Acknowledge</button>` : null}`
        : html`<span class="ok">complete</span>${h.acknowledged_by
          ? html`<div class="help">acknowledged by ${h.acknowledged_by}, ${dtg(h.acknowledged_at)}</div>` : null}`}</td>
    </tr>`)}</tbody></table>`;
}

function Minimum(props: { phase: PhaseRecord; now: number }): VNode | null {
  const p = props.phase;
  if (!p.minimum_until) return null;
  const left = Date.parse(p.minimum_until) - props.now;
  if (p.decision || left <= 0) return html`<div class="help" data-minimum="over">minimum time until ${dtg(p.minimum_until)}${p.decision ? "" : ": over"}</div>`;
  return html`<div class="minimum" data-minimum="running">decompression: at least until <b class="mono">${dtg(p.minimum_until)}</b>
    · <b>${span(left)}</b> left</div>`;
}

function PhaseCard(props: { phase: PhaseRecord; canTick: boolean; ticking: string; tick: (item: string) => void; now: number }): VNode {
  const p = props.phase;
  const done = p.checklist.filter((c) => c.done_at).length;
  const live = p.decision === null;
  return html`<section class=${`phase-card ${live ? "live" : "decided"}`} data-phase=${p.phase}>
    <h4>Phase ${p.phase} <span class="help">${`· ${p.facility}, ${p.location}${p.component_id ? ` · ${p.component_id}` : ""} · began ${dtg(p.began_at)} by ${p.began_by}`}</span></h4>
    <${Minimum} phase=${p} now=${props.now} />
    ${p.checklist.length ? (() => {
      const items = html`<ul class="checklist">${p.checklist.map((c) => html`<li data-checklist-item=${c.item} data-done=${c.done_at ? "yes" : "no"}>
        <label class="check"><input type="checkbox" checked=${Boolean(c.done_at) || props.ticking === c.item}
          disabled=${Boolean(c.done_at) || !live || !props.canTick || Boolean(props.ticking)}
          onChange=${() => props.tick(c.item)} /> ${c.item}</label>
        ${c.done_at ? html` <span class="help mono">${dtg(c.done_at)}</span>` : null}</li>`)}</ul>`;
      const count = `checklist ${done} of ${p.checklist.length} done`;
      // a decided phase keeps its checklist folded: the phase in progress leads
      return live ? html`<div class="help">${count}</div>${items}`
        : html`<details class="checklist-done"><summary class="help">${count}</summary>${items}</details>`;
    })() : null}
    ${p.decision ? html`<div class="decision" data-phase-decision=${p.decision}>Decided: <b>${label(p.decision)}</b>${" "}
      <span class="help">${dtg(p.decided_at)} by ${p.decided_by}</span> — ${p.decision_reason}
      ${p.override_reason ? html`<div class="warn" data-override>override: ${p.override_reason}</div>` : null}</div>` : null}
  </section>`;
}

export function PersonView(): VNode {
  const s = useStore();
  const m = s.route.match(/^#\/person\/([^/?]+)\/([^/?]+)/);
  const incidentId = m ? decodeURIComponent(m[1]) : "";
  const personId = m ? decodeURIComponent(m[2]) : "";
  const [journey, setJourney] = useState<Journey | null>(null);
  const [failed, setFailed] = useState("");
  const [form, setForm] = useState<string | null>(null);
  /** the checklist item being sent: ticked until the answer says */
  const [ticking, setTicking] = useState("");
  const now = useNow();
  const latest = useRef<Journey | null>(null);
  latest.current = journey;
  const take = (answer: Journey) => {
    if (answer.person_id !== personId) return;
    setJourney(answer);
    if (state.error) update({ error: "" });
  };
  const load = () => {
    api.get<Journey>(`/api/incidents/${enc(incidentId)}/persons/${enc(personId)}/journey`).then(
      (answer) => { take(answer); setFailed(""); },
      (error) => { setFailed(problem(error)); update({ error: `${LOAD_FAILED} ${personId}: ${problem(error)}` }); },
    );
  };
  useEffect(() => { setJourney(null); setFailed(""); setForm(null); if (m) load(); }, [incidentId, personId]);
  useEffect(() => () => forget(LOAD_FAILED), []);
  // what others record about this person arrives on the feed; this page's own writes are in their answer
  const seen = (e: FeedEvent) => (latest.current?.timeline ?? []).some((t) => t.seq >= e.seq);
  useFrames((e) => (e.stream_id === `person:${personId}` || e.incident_id === incidentId) && !seen(e), load);
  const prepared = useMemo(() => (form && journey ? JOURNEY_ACTIONS[form].prepare(journey) : null), [form]);
  if (!m) return html`<section class="person"><p>No such person.</p></section>`;
  if (!journey) return html`<section class="person"><p data-loading>${failed || "Loading…"}</p></section>`;
  const j = journey;
  const allowed = new Set(j.allowed_actions);
  const offered = (name: string) => allowed.has(name) && JOURNEY_ACTIONS[name].fits(j);
  const buttons = HEADER_ACTIONS.filter(offered);
  const tick = async (item: string) => {
    setTicking(item);
    try {
      take(await api.post<Journey>(journeyPath(j, "/checklist"), { item }));
    } catch (error) {
      update({ error: `"${item}" was not marked done: ${problem(error)}` });
    } finally {
      setTicking("");
    }
  };
  const spec = form ? JOURNEY_ACTIONS[form] : null;
  return html`<section class="person" data-person-page=${j.person_id} data-lifecycle=${j.lifecycle}>
    <header class="incident-head">
      <div><h2>${j.name} <${LifecycleChip} step=${j.lifecycle} /></h2>
        <div class="meta">${j.person_id} · ${j.component_id} · <a href=${`#/incident/${enc(j.incident_id)}`} data-incident-link>${j.incident_id} · ${j.incident_title}</a>${
          ` · stage ${label(j.incident_stage)}`}</div>
        <div class="meta">duty status <b data-duty-status>${label(j.duty_status)}</b>${` · condition ${label(j.condition)} · isolated ${dtg(j.isolating_event_at)}`}${
          j.custodian ? html` · held by <b data-custodian>${j.custodian}</b>` : null}${j.location ? ` · at ${j.location}` : ""}</div>
        ${j.dustwun_due_at && j.duty_status === "dustwun" ? html`<div class="meta">DUSTWUN: redesignate by <${Due} at=${j.dustwun_due_at} now=${now} /></div>` : null}
      </div>
      <div class="actions">${buttons.map((a) => html`<button data-journey-action=${a} onClick=${() => setForm(a)}>${JOURNEY_ACTIONS[a].button}</button>`)}
        ${buttons.length ? null : html`<span class="help" data-no-actions>${j.ended ? "The journey has ended." : "No actions for your role now."}</span>`}</div>
    </header>
    <${LifecycleStrip} journey=${j} />
    <div class=${`next-step ${j.ended ? "ended" : ""}`} data-next-decision>
      ${j.ended
        ? html`<span data-journey-end=${j.end}>Accounted for: <b>${stepWord(j.end ?? j.lifecycle)}</b> <span class="mono">${dtg(j.ended_at)}</span></span>`
        : html`<span>Next: <b>${j.next_decision || "—"}</b></span> <${Due} at=${j.next_due} now=${now} />`}
    </div>
    <div class="person-layout">
      <div>
        <h3>Custody chain</h3>
        <${Custody} journey=${j} acknowledge=${offered("acknowledge_handoff") ? () => setForm("acknowledge_handoff") : null} />
        <h3>Reintegration</h3>
        ${j.phases.length ? j.phases.map((p) => html`<${PhaseCard} key=${p.phase} phase=${p} now=${now} tick=${tick}
          ticking=${ticking} canTick=${allowed.has("complete_checklist_item")} />`)
          : html`<p class="help">No phase begun${j.duty_status === "recovered" ? ": phase I begins once the person is in friendly hands, as now" : ""}.</p>`}
        ${j.medical_care ? html`<p data-medical-care>Medical care at <b>${j.medical_care}</b></p>` : null}
      </div>
      <div>
        <h3>Team</h3>
        <table class="grid dense team" data-team><tbody>${j.team_roles.map((r) => html`<tr data-team-role=${r}>
          <td>${label(r)}</td><td>${j.team[r] ?? html`<span class="help">not named</span>`}</td></tr>`)}</tbody></table>
        <h3>Timeline</h3>
        <ol class="timeline" data-person-timeline>${j.timeline.map((e) => html`<li data-event=${e.event_type}>
          <span class="mono">${dtg(e.at)}</span> <b>${e.actor}</b> ${e.summary}</li>`)}</ol>
      </div>
    </div>
    ${spec && prepared ? html`<${FormModal} key=${form} name=${form} title=${spec.title} submitLabel=${spec.submitLabel}
      fields=${prepared.fields} onCancel=${() => setForm(null)}
      onSubmit=${async (values: Values) => { take(await prepared.send(values)); setForm(null); }} />` : null}
  </section>`;
}
