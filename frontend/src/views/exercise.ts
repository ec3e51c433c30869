// The exercise screen: the scenario clock and, for exercise control (its observer account and the
// director), the controls that steer it (stop, a speed, a step forward), the injects to come and a
// form to add one; for the JPRCC, the JFC and exercise control, the after-action figures so far with
// the CSV and the printable report.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { dtg } from "../format";
import type * as S from "../schema";
import { useStore } from "../store";
import { setClock } from "../time";

type Exercise = S.ExerciseOut;
type Figures = S.AfterActionOut;
const CONTROL = ["observer", "jprcc_director"];
const READERS = ["observer", "jprcc_director", "jprcc_controller", "jfc"];
const MILESTONES: [string, string][] = [
  ["reported", "report"], ["located", "locate"], ["authenticated", "auth"], ["directive", "directive"],
  ["recovered", "recovery"], ["phase_one", "phase I"],
];

function message(err: unknown): string {
  return err instanceof ApiError ? err.problem.message : String(err);
}

async function refreshClock(): Promise<void> {
  setClock(await api.get<S.ConfigOut>("/api/config"));
}

function Controls(props: { exercise: Exercise; onChange: (e: Exercise) => void }): VNode {
  const [error, setError] = useState("");
  const steer = async (body: Record<string, number>) => {
    try {
      props.onChange(await api.post<Exercise>("/api/exercise/clock", body));
      await refreshClock();
      setError("");
    } catch (err) {
      setError(message(err));
    }
  };
  const speeds = [0, 1, 10, 60, 600];
  return html`<div class="exercise-controls" data-exercise-controls>
    <span>Speed:</span>
    ${speeds.map((v) => html`<button class=${props.exercise.speed === v ? "on" : ""} data-speed=${v}
      onClick=${() => void steer({ speed: v })}>${v === 0 ? "Stop" : `${v}×`}</button>`)}
    <span>Step:</span>
    ${[[300, "+5 min"], [900, "+15 min"], [3600, "+1 h"]].map(([s, text]) => html`<button data-advance=${s}
      onClick=${() => void steer({ advance_s: Number(s) })}>${text}</button>`)}
    ${error ? html`<div class="alarm" role="alert">${error}</div>` : null}
  </div>`;
}

function AddInject(props: { exercise: Exercise; onChange: (e: Exercise) => void }): VNode {
  const [minutes, setMinutes] = useState("0");
  const [actor, setActor] = useState(props.exercise.users[0] ?? "");
  const [name, setName] = useState("check_in");
  const [fields, setFields] = useState('{"incident_id": ""}');
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(fields);
    } catch {
      setError("fields: the command's fields as a JSON object");
      return;
    }
    try {
      props.onChange(await api.post<Exercise>("/api/exercise/injects",
        { due_in_s: Math.round(Number(minutes) * 60), actor, name, fields: parsed }));
      setError("");
    } catch (err) {
      setError(message(err));
    }
  };
  return html`<form class="exercise-inject" onSubmit=${submit} data-inject-form>
    <label>In (min) <input name="minutes" type="number" min="0" value=${minutes}
      onInput=${(e: Event) => setMinutes((e.target as HTMLInputElement).value)} /></label>
    <label>As <select name="actor" value=${actor} onChange=${(e: Event) => setActor((e.target as HTMLSelectElement).value)}>
      ${props.exercise.users.map((u) => html`<option value=${u}>${u}</option>`)}</select></label>
    <label>Command <select name="name" value=${name} onChange=${(e: Event) => setName((e.target as HTMLSelectElement).value)}>
      ${props.exercise.commands.map((c) => html`<option value=${c}>${c.replace(/_/g, " ")}</option>`)}</select></label>
    <label class="wide">Fields (JSON, as in a scenario file)
      <textarea name="fields" rows="4" value=${fields}
        onInput=${(e: Event) => setFields((e.target as HTMLTextAreaElement).value)}></textarea></label>
    <button class="primary" type="submit">Add the inject</button>
    ${error ? html`<div class="alarm" role="alert" data-inject-error>${error}</div>` : null}
  </form>`;
}

function AfterAction(): VNode {
  const [figures, setFigures] = useState<Figures | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    api.get<Figures>("/api/after-action").then(setFigures, (err) => setError(message(err)));
  }, []);
  if (error) return html`<p class="alarm">${error}</p>`;
  if (!figures) return html`<p>Reading the log…</p>`;
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? "–" : Math.round(v));
  return html`<section data-after-action>
    <h3>After action so far <small>(minutes from each isolating event)</small></h3>
    <p><a href="/api/after-action/report" target="_blank" rel="noopener" data-report-link>Open the printable report</a>${" · "}<a href="/api/after-action.csv" download="after-action.csv" data-csv-link>Download the figures (CSV)</a></p>
    <table class="exercise-figures"><thead><tr><th>incident</th>
      ${MILESTONES.map(([, label]) => html`<th>${label}</th>`)}<th>dark lost</th></tr></thead>
    <tbody>${figures.incidents.map((m) => html`<tr data-figures-row=${m.incident_id}>
      <td><a href=${`#/incident/${m.incident_id}`}>${m.incident_id}</a></td>
      ${MILESTONES.map(([key]) => html`<td class="n">${cell(m.minutes_from_isolation[key])}</td>`)}
      <td class="n">${Math.round(m.dark_minutes_lost)}</td></tr>`)}</tbody></table>
  </section>`;
}

export function ExerciseView(): VNode {
  const s = useStore();
  const role = s.me?.role ?? "";
  const control = CONTROL.includes(role);
  const [exercise, setExercise] = useState<Exercise | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    if (!control) return;
    const load = () => api.get<Exercise>("/api/exercise").then(setExercise, (err) => setError(message(err)));
    void load();
    const timer = window.setInterval(() => void load(), 2000);  // the injects played as the clock runs
    return () => window.clearInterval(timer);
  }, [control]);
  if (!s.config?.exercise) return html`<main class="exercise"><p>This node runs no exercise.</p></main>`;
  return html`<main class="exercise" data-exercise>
    <h2>${s.config.classification}</h2>
    ${control && exercise ? html`
      <p>${`Started ${dtg(exercise.start)}; the last inject is due ${dtg(exercise.end)}. `}
        ${`${exercise.injects_played} injects played, ${exercise.pending_total} to come.`}</p>
      <${Controls} exercise=${exercise} onChange=${setExercise} />
      <h3>Injects to come</h3>
      <table class="exercise-injects" data-injects><thead><tr><th>due</th><th>as</th><th>command</th></tr></thead>
        <tbody>${exercise.pending.map((p) => html`<tr><td class="mono">${dtg(p.due_at)}</td><td>${p.actor}</td>
          <td>${p.name.replace(/_/g, " ")}${p.fields.incident_id ? ` · ${p.fields.incident_id}` : ""}</td></tr>`)}</tbody></table>
      ${exercise.injects_refused.length ? html`<h3>Refused by the rules</h3>
        <ul>${exercise.injects_refused.map((r) => html`<li>${r}</li>`)}</ul>` : null}
      <h3>Add an inject</h3>
      <${AddInject} exercise=${exercise} onChange=${setExercise} />` : null}
    ${error ? html`<p class="alarm">${error}</p>` : null}
    ${READERS.includes(role) ? html`<${AfterAction} />` : null}
  </main>`;
}
