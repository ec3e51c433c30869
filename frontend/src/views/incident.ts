// The incident page: persons and their clocks, the five PR tasks, where the person probably is
// (Locate), the directive, the relationship chart, the case narrative and the timeline; the actions
// this user may take, and only those.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { Assessment, DarkWindow, Incident, Relationship } from "../api";
import type * as S from "../schema";
import { incidentBehind, loadAssessment, requestedAction, takeIncident } from "../data";
import { dtg, label, span } from "../format";
import { state, update, useStore } from "../store";
import { BUTTONS } from "./actions";
import { IncidentMap } from "./incidentmap";
import { NominationPackage } from "./package";
import { focusMap, MODES } from "./mapview";
import { LocatePanel } from "./locate";
import { OptionsPanel } from "./options";
import { CasefilePanel } from "./casefile";
import { personLink, stepWord } from "./persons";
import { nodeNow } from "../time";

function Persons(props: { incident: Incident }): VNode {
  return html`<table class="grid persons"><thead><tr><th>person</th><th>unit</th><th>condition</th><th>duty status</th><th>clock</th><th>authentication</th></tr></thead>
    <tbody>${props.incident.persons.map((p) => {
      const due = p.dustwun_due_at ? new Date(p.dustwun_due_at).getTime() - nodeNow() : null;
      return html`<tr data-person=${p.person_id}>
        <td><a href=${personLink(props.incident.incident_id, p.person_id)} data-person-journey=${p.person_id}
          title="the person's journey: custody, reintegration, timeline">${p.name}</a><div class="help">${p.person_id} · ${p.service}</div></td>
        <td>${p.unit}</td><td>${label(p.condition)}</td>
        <td class=${`status ${p.duty_status}`}>${label(p.duty_status)}${p.accounted_for ? " ✓" : ""}
          ${p.end ? html`<div class="person-end" data-journey-end=${p.end}>journey ended: ${stepWord(p.end)}</div>` : null}
          ${props.incident.deliberate_recovery.includes(p.person_id) && p.duty_status === "captured"
            ? html`<div class="warn" data-deliberate-recovery>recovery by force ordered</div>` : null}</td>
        <td>${due === null ? `since ${dtg(p.status_since)}` : due > 0
          ? html`<span class="dustwun">DUSTWUN: redesignate in ${span(due)}</span>`
          : html`<b class="alarm">DUSTWUN: redesignation overdue by ${span(due)}</b>`}</td>
        <td data-authentication=${p.authenticated_by ? "authenticated" : "not"}>${p.authenticated_by
          ? html`<b class="ok">authenticated</b><div class="help">by ${p.authenticated_by}, ${dtg(p.authenticated_at!)}</div>`
          : html`<span class="help">${p.person_ref ? "not yet authenticated" : "no ISOPREP linked"}</span>`}</td>
      </tr>`;
    })}</tbody></table>`;
}

function Tasks(props: { incident: Incident }): VNode {
  return html`<div class="tasks">${Object.entries(props.incident.tasks).map(([task, status]) =>
    html`<div class=${`task ${status}`} data-task=${task}><b>${task}</b><span>${label(status)}</span></div>`)}</div>`;
}

const fit = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** Who supports whom with which assets, from when to when: one bar per relationship. TACON bars
 * appear only for transfers that were explicitly requested and approved. */
function RelationshipChart(props: { relationships: Relationship[] }): VNode {
  const rels = props.relationships;
  if (!rels.length) return html`<p class="help">No command relationships: every asset is under its own component.</p>`;
  const now = nodeNow();
  const begin = Math.min(...rels.map((r) => new Date(r.begin).getTime()));
  const end = Math.max(now, ...rels.map((r) => (r.end ? new Date(r.end).getTime() : now)));
  const width = 900;
  const left = 330;
  const row = 28;
  const x = (t: number) => left + ((t - begin) / Math.max(1, end - begin)) * (width - left - 10);
  return html`<svg class="chart" viewBox=${`0 0 ${width} ${rels.length * row + 30}`} role="img" aria-label="relationship chart">
    ${rels.map((r, i) => {
      const y = i * row + 6;
      const x1 = x(new Date(r.begin).getTime());
      const x2 = x(r.end ? new Date(r.end).getTime() : now);
      const tacon = r.transfers_control;
      return html`<g data-relationship=${r.relationship_id} data-kind=${r.kind}>
        <text x="4" y=${y + 15} class="chart-label">${fit(`${r.from_component} → ${r.to_component}: ${r.asset_ids.join(", ")}`, 46)}</text>
        <rect x=${x1} y=${y} width=${Math.max(3, x2 - x1)} height="18" rx="3" class=${tacon ? "bar tacon" : "bar support"} />
        <text x=${x1 + 4} y=${y + 13} class="bar-label">${tacon ? "TACON" : label(r.kind)}${r.end ? "" : " (open)"}</text>
        <title>${r.statement}\n${dtg(r.begin)} – ${r.end ? dtg(r.end) : "open"}</title>
      </g>`;
    })}
    <line x1=${x(now)} x2=${x(now)} y1="0" y2=${rels.length * row + 10} class="now" />
    <text x=${x(now) - 12} y=${rels.length * row + 24} class="chart-label">now</text>
  </svg>`;
}

function Narrative(props: { incident: Incident; canWrite: boolean }): VNode {
  const [textValue, setText] = useState("");
  const [error, setError] = useState("");
  const add = async (e: Event) => {
    e.preventDefault();
    if (!textValue.trim()) { setError("write something first"); return; }
    let answer: unknown;
    try {
      answer = await api.post(`/api/incidents/${encodeURIComponent(props.incident.incident_id)}/narrative`, { text: textValue });
    } catch (err) {
      setError(err instanceof ApiError ? err.problem.message : String(err));
      return;
    }
    setText("");
    setError("");
    takeIncident(answer);
  };
  // the incident carries the latest entries; a long case pages back through the rest on request
  const [earlier, setEarlier] = useState<S.NarrativeOut[]>([]);
  useEffect(() => setEarlier([]), [props.incident.incident_id]);
  const shown = [...earlier, ...props.incident.narrative];
  const hidden = props.incident.narrative_total - shown.length;
  const more = async () => {
    const first = shown[0]?.entry_id.split("/L").pop();
    const id = encodeURIComponent(props.incident.incident_id);
    try {
      const page = await api.get<S.NarrativeOut[]>(`/api/incidents/${id}/narrative?before=${first}`);
      setEarlier([...page, ...earlier]);
    } catch (err) {
      setError(err instanceof ApiError ? err.problem.message : String(err));
    }
  };
  return html`<div class="narrative">
    ${hidden > 0 ? html`<button type="button" class="link earlier" onClick=${more}>${hidden} earlier ${hidden === 1 ? "entry" : "entries"}: show</button>` : null}
    ${shown.map((n) => html`<div class="entry"><span class="mono">${dtg(n.at)}</span> <b>${n.author}</b> ${n.text}</div>`)}
    ${props.canWrite ? html`<form onSubmit=${add} class="inline">
      <input name="narrative" placeholder="Add to the case narrative…" value=${textValue}
        onInput=${(e: Event) => { setText((e.target as HTMLInputElement).value); setError(""); }} />
      <button type="submit">Add</button><div class="error" data-error-for="narrative">${error}</div></form>` : null}
  </div>`;
}

const minutes = (s: number | null) => (s === null ? "–" : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

function lightLine(a: Assessment): string {
  const l = a.light;
  return [
    `Light: ${l.dark ? "night" : "day"}`,
    `sun ${l.sun_elevation.toFixed(1)}°`,
    `moon ${l.moon_elevation.toFixed(1)}°, ${Math.round(l.moon_illumination * 100)} % lit`,
    l.sunrise ? `sunrise ${dtg(l.sunrise)}` : "",
    l.sunset ? `sunset ${dtg(l.sunset)}` : "",
  ].filter(Boolean).join(" · ");
}

/** "Assess this incident": the matrix's recommendation with its reasons, the light, the threat at
 * the person for every way of moving, and the routes out, best first. */
function AssessmentPanel(props: { incident: Incident }): VNode {
  const s = useStore();
  const [mode, setMode] = useState("rotary_wing_low");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const id = props.incident.incident_id;
  const a: Assessment | null = s.assessment?.incident_id === id ? s.assessment : null;
  const assess = async () => {
    setBusy(true);
    setError("");
    try {
      await loadAssessment(id, mode);
    } catch (err) {
      setError(err instanceof ApiError ? err.problem.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const showRoute = () => {
    focusMap(props.incident.position.lat, props.incident.position.lon, 10);
    location.hash = "#/map";
  };
  return html`<div class="assessment" data-assessment>
    <form class="inline" onSubmit=${(e: Event) => { e.preventDefault(); void assess(); }}>
      <select data-assess-mode value=${mode} onChange=${(e: Event) => setMode((e.target as HTMLSelectElement).value)}>
        ${MODES.map((m) => html`<option value=${m}>${label(m)}</option>`)}</select>
      <button type="submit" data-assess disabled=${busy}>${busy ? "Assessing…" : "Assess this incident"}</button>
      <span class="error">${error}</span>
    </form>
    ${a ? html`<div class=${`recommendation ${a.recommendation}`} data-recommendation=${a.recommendation}>
        <b>${label(a.recommendation).toUpperCase()}</b> recovery · approval: <b data-approval>${label(a.approval)}</b>
        <span class="help"> · matrix v${a.matrix_version}, row ${a.matrix_row} · ${label(a.mode)} · ${dtg(a.at)}</span>
        <p>${a.why}</p>
        <ul class="reasons">${a.reasons.map((r) => html`<li>${r}</li>`)}</ul></div>
      <div class="help" data-light>${lightLine(a)}</div>
      <div class="help">Threat at the person: ${Object.entries(a.threat_at_person).map(([m, v]) => `${label(m)} ${v.toFixed(2)}`).join(" · ")}</div>
      <table class="grid routes"><thead><tr><th>to</th><th>kind</th><th>time</th><th>exposure</th><th>worst threat</th></tr></thead>
        <tbody>${a.routes.map((r, n) => html`<tr data-route=${r.destination} class=${n === 0 ? "best" : ""}>
          <td>${r.destination}</td><td>${label(r.kind)}</td><td>${minutes(r.seconds)}</td>
          <td>${r.exposure === null ? "–" : `${(r.exposure / 60).toFixed(1)} threat-min`}</td>
          <td>${r.worst_threat.toFixed(2)}</td></tr>`)}</tbody></table>
      ${a.unreachable.length ? html`<div class="alarm" data-unreachable>Not reachable by ${label(a.mode)}: ${a.unreachable.join(", ")}</div>` : null}
      ${a.routes.length ? html`<button data-show-route onClick=${showRoute}>Show the best route on the map</button>` : null}
      <div class="help">Layers in force: ${a.layers.join(", ") || "none"}</div>` : null}
  </div>`;
}

const OVER = ["recovered", "reintegration", "closed"];

/** The dark-window clock: how much dark is left where the person is, read again every minute and
 * whenever the incident changes; in red, any nomination or directive window that runs past first light. */
function DarkClock(props: { incident: Incident }): VNode | null {
  const i = props.incident;
  const [dark, setDark] = useState<DarkWindow | null>(null);
  const over = OVER.includes(i.stage);
  // read again when a window of action changes (a nomination, a decision, a directive), not on every event
  const windows = [...i.nominations.map((n) => `${n.nomination_id}:${n.status}`), i.directive ? `${i.directive.directive_id}:${i.directive.status}` : ""].join(",");
  useEffect(() => {
    if (over) return undefined;
    let live = true;
    const read = () => {
      api.get<DarkWindow>(`/api/incidents/${encodeURIComponent(i.incident_id)}/dark-window`)
        .then((d) => { if (live) setDark(d); }, () => { if (live) setDark(null); });
    };
    read();
    const timer = window.setInterval(read, 60_000);
    return () => { live = false; window.clearInterval(timer); };
  }, [i.incident_id, windows, over]);
  if (over || !dark) return null;
  const left = Math.round(dark.dark_minutes_left);
  return html`<div class="dark-clock" data-dark-clock=${dark.dark ? "dark" : "day"}>
    ${dark.dark
      ? html`<b class=${left < 60 ? "alarm" : left < 120 ? "warn" : ""}>DARK: ${left} min left</b> · first light ${dark.first_light_at ? dtg(dark.first_light_at) : "–"}`
      : html`<b>Daylight</b> · darkness begins ${dark.last_light_at ? dtg(dark.last_light_at) : "–"}`}
    ${dark.warnings.map((w) => html`<div class="alarm" data-first-light-warning>${w}</div>`)}
  </div>`;
}

/** The option a nomination adopted, and the alternatives it set aside. */
function adopted(i: Incident, nominationId: string): VNode | null {
  const n = i.nominations.find((x) => x.nomination_id === nominationId);
  if (!n?.adopted_option) return null;
  const o = n.adopted_option;
  return html`<div data-adopted=${o.option_id}>Adopted option <b>${o.option_id}</b>: ${o.summary} (P(success) ${o.p_success === null ? "–" : o.p_success.toFixed(2)},
    ${Math.round(o.minutes_to_medical)} min to care)${n.alternatives.length ? html`<div class="help">Alternatives set aside:
    ${n.alternatives.map((a) => `${a.option_id} ${a.summary}`).join("; ")}</div>` : null}<div class="help">Why: ${n.rationale}</div></div>`;
}

const open = (action: string, i: Incident) => update({ modal: { action, incident: structuredClone(i) } });

/** "Answers are in": the recovery options, from which one is nominated. */
const OPTIONS = "generate_options";
function showOptions(): void {
  document.getElementById("panel-options")?.scrollIntoView();
  (document.querySelector("[data-generate-options]") as HTMLButtonElement | null)?.click();
}

const STAGE_WORDS: Record<string, string> = {
  reported: "Reported: the owning component recovers with its own forces, or asks for help",
  organic_recovery: "Organic recovery: the owning component recovers; the JPRCC monitors",
  assistance_requested: "Assistance requested: the JPRCC polls the components",
  capability_poll: "Capability poll: the components answer; the JPRCC nominates",
  nominated: "Nominated: the JFC approves or rejects",
  directive_in_force: "Support directive in force: supporters accept their tasks; the supported component begins",
  recovery_underway: "Recovery under way",
  recovered: "Recovered: hand to reintegration",
  reintegration: "Reintegration",
  detained: "Detained: the negotiated track",
  closed: "Closed",
};

/** What the current stage asks, of whom, by when, and the action — first on the page. */
function StagePanel(props: { incident: Incident; actions: string[] }): VNode {
  const i = props.incident;
  const mine = new Set(props.actions);
  return html`<section class="stage-panel" data-stage-panel=${i.stage}>
    <h3>${STAGE_WORDS[i.stage] ?? label(i.stage)}</h3>
    ${i.waiting_for.length ? html`<ul class="waiting">${i.waiting_for.map((w) => html`<li data-waiting=${w.kind} data-waiting-for=${w.party}>
      <b>${w.who}</b>: <span class="asks">${w.asks}</span>
      ${w.due_at ? html` · <span class=${new Date(w.due_at).getTime() < nodeNow() ? "alarm" : ""}>by ${dtg(w.due_at)}</span>` : null}
      ${mine.has(w.action) ? html` <button class="primary" data-stage-action=${w.action} onClick=${() => open(w.action, i)}>${BUTTONS[w.action] ?? label(w.action)}</button>`
        : w.action === OPTIONS && mine.has("nominate") ? html` <button class="primary" data-stage-action=${w.action} onClick=${showOptions}>See the options</button>` : null}
    </li>`)}</ul>` : html`<p class="help">Nothing waits on anyone: the component works its recovery; check-ins keep the clock.</p>`}
  </section>`;
}

/** Decisions given by voice and recorded by the JPRCC, with their confirmation. */
function Relayed(props: { incident: Incident }): VNode | null {
  const r = props.incident.relayed;
  if (!r.length) return null;
  return html`<div class="relayed-list"><b>Recorded on someone's behalf</b><ul>${r.map((x) => html`<li class="relayed" data-relayed=${x.status}>
    ${x.decision} for <b>${x.party}</b>, given by ${x.given_by} by ${label(x.channel)}, recorded by ${x.recorded_by} ${dtg(x.recorded_at)} —
    <b>${label(x.status)}</b>${x.answered_by ? ` by ${x.answered_by}` : ""}${x.answer ? `: ${x.answer}` : ""}${x.resolution ? ` · settled: ${x.resolution}` : ""}</li>`)}</ul></div>`;
}

const PANELS = [["persons", "Persons"], ["locate", "Locate"], ["threat", "Threat"], ["options", "Options"], ["relationships", "Relationships"],
  ["narrative", "Narrative"], ["casefile", "Case file"], ["timeline", "Timeline"]] as const;

export function IncidentView(): VNode {
  const s = useStore();
  const i = s.incident;
  // an inbox item or an alert asked for this incident with its form open
  useEffect(() => {
    const wanted = requestedAction();
    if (!i || !wanted || incidentBehind(i)) return; // (runs again when the newer version lands)
    history.replaceState(null, "", `#/incident/${encodeURIComponent(i.incident_id)}`);
    update({ route: location.hash });
    if (wanted === OPTIONS && i.allowed_actions.includes("nominate")) window.setTimeout(showOptions, 0);
    else if (i.allowed_actions.includes(wanted) && !state.modal) open(wanted, i);
  }, [i?.incident_id, i?.version, s.route]);
  if (!i) return html`<section class="incident"><p data-loading>${s.error || "Loading…"}</p></section>`;
  const actions = i.allowed_actions.filter((a) => a in BUTTONS);
  const d = i.directive;
  const pending = i.nominations.find((n) => n.status === "pending");
  return html`<section class="incident" data-incident=${i.incident_id} data-version=${i.version}>
    <header class="incident-head">
      <div><h2>${i.incident_id} · ${i.title}</h2>
        <div class="meta">stage <b data-stage>${label(i.stage)}</b> · owner ${i.owning_component}
          ${i.supported_component ? html` · supported <b>${i.supported_component}</b>` : null} · P${i.priority}
          · ${label(i.environment)} · v${i.version}</div>
        <div class="meta mono">${i.position.mgrs} · ${i.position.lat.toFixed(5)}, ${i.position.lon.toFixed(5)} ± ${Math.round(i.uncertainty_m)} m
          · ${label(i.channel)}, ${label(i.source_confidence)} · isolated ${dtg(i.isolating_event_at)}</div>
        ${i.overdue_at && new Date(i.overdue_at).getTime() < nodeNow() ? html`<div class="alarm">OVERDUE since ${dtg(i.overdue_at)}</div>` : null}
        <${DarkClock} incident=${i} />
      </div>
      <div class="actions">${actions.map((a) => html`<button data-action=${a}
        onClick=${() => open(a, i)}>${BUTTONS[a]}</button>`)}
        ${actions.length ? null : html`<span class="help">No actions for your role at this stage.</span>`}
        <a href=${`#/messages/${encodeURIComponent(i.incident_id)}`} data-incident-messages
          title="this incident's SITREP, initial report, poll or directive: preview, print, release">Messages</a></div>
    </header>
    <div class="incident-layout">
      <div class="current">
        <${StagePanel} incident=${i} actions=${actions} />
        ${pending ? html`<${NominationPackage} nomination=${pending} decide=${(a: string) => open(a, i)}
          actions=${actions.filter((a) => ["approve_nomination", "reject_nomination", "relay_decision"].includes(a))} />` : null}
        ${i.assistance ? html`<div data-assistance><b>Assistance asked</b>: ${i.assistance.capabilities_needed.map(label).join(", ") || "any"} —
          ${i.assistance.reason}${i.assistance.cannot_recover ? " (cannot recover)" : ""}</div>` : null}
        ${i.poll ? html`<div class="poll"><b>Capability poll</b> · asked: ${i.poll.capabilities_needed.map(label).join(", ")}
          ${i.poll.respond_by ? ` · answer by ${dtg(i.poll.respond_by)}` : ""}
          ${i.poll.answers.map((a) => html`<div data-answer=${a.component_id}>
          <b>${a.component_id}</b>: ${a.offers.length ? a.offers.map((o) => `${o.asset_id} (${label(o.capability)})`).join(", ") : `cannot — ${a.cannot_reason}`}</div>`)}
          ${i.poll.awaiting.length ? html`<div class="help">awaiting ${i.poll.awaiting.join(", ")}</div>` : null}</div>` : null}
        ${d ? html`<div class="directive" data-directive><b>Support directive ${d.directive_id}</b>
          <div><b>${d.supported_component}</b> supported · ${label(d.support_kind)} support · P${d.priority} · ${dtg(d.window_start)} – ${dtg(d.window_end)}</div>
          ${adopted(i, d.nomination_id)}
          <div>Desired effects: ${d.desired_effects}</div>
          <ul>${d.contributions.map((c) => html`<li>${c.component_id}: ${c.asset_ids.join(", ")} — ${c.task}
            ${i.support_tasks.find((t) => t.component_id === c.component_id) ? html` <i>(${i.support_tasks.find((t) => t.component_id === c.component_id)!.status})</i>` : null}</li>`)}</ul>
          <div class="tacon">${d.tacon_statement}</div></div>` : null}
        <${Relayed} incident=${i} />
        ${i.summary ? html`<p>${i.summary}</p>` : null}
        <${Tasks} incident=${i} />
      </div>
      <${IncidentMap} incident=${i} />
    </div>
    <nav class="tabs" data-panels>${PANELS.map(([id, name]) => html`<button data-panel-link=${id}
      onClick=${() => document.getElementById(`panel-${id}`)?.scrollIntoView({ behavior: "smooth" })}>${name}</button>`)}</nav>
    <h3 id="panel-persons">Persons</h3><${Persons} incident=${i} />
    <h3 id="panel-locate">Locate</h3><${LocatePanel} incident=${i} />
    <h3 id="panel-threat">Threat assessment</h3><${AssessmentPanel} incident=${i} />
    <h3 id="panel-options">Recovery options</h3><${OptionsPanel} incident=${i} />
    <h3 id="panel-relationships">Command relationships</h3><${RelationshipChart} relationships=${i.relationships} />
    <h3 id="panel-narrative">Case narrative</h3><${Narrative} incident=${i} canWrite=${i.allowed_actions.includes("add_narrative")} />
    <h3 id="panel-casefile">Case file</h3><${CasefilePanel} incident=${i} />
    <h3 id="panel-timeline">Timeline</h3><ol class="timeline">${s.timeline.map((e) => html`<li data-event=${e.event_type}>
      <span class="mono">${dtg(e.at)}</span> <b>${e.actor}</b> ${e.summary}</li>`)}</ol>
  </section>`;
}
