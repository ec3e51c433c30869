// The shell: classification banners, header, alert banner, the current screen, the action form.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { acknowledge, currentIncidentId, disconnectFeed, dismiss, loadIncident, onAlertFlyTo, refreshAll, takeIncident } from "../data";
import { clock, dtg, label } from "../format";
import "../turn.css";
import { state, update, useStore } from "../store";
import { ACTIONS } from "./actions";
import { BoardView } from "./board";
import { Form, type Values } from "./form";
import { ReadinessView } from "./readiness";
import { PersonsView, PersonView } from "./persons";
import { IncidentView } from "./incident";
import { InboxView, itemLink } from "./inbox";
import { focusMap, MapView } from "./mapview";
import { TakView } from "./takview";
import { ExerciseView } from "./exercise";
import { MessagesView } from "./messages";
import { nodeDate } from "../time";
import type { Config } from "../api";

function Classification(): VNode {
  const s = useStore();
  const marking = s.config?.classification ?? "";
  return html`<div class=${`classification ${markingClass(marking)}`} data-classification>${marking}</div>`;
}

/** The conventional banner colours: green unclassified, blue confidential, red secret, yellow top secret. */
export function markingClass(marking: string): string {
  const m = marking.toUpperCase();
  if (m.includes("TOP SECRET")) return "ts";
  if (m.includes("SECRET")) return "s";
  if (m.includes("CONFIDENTIAL")) return "c";
  return "u";
}

/** Every alert stays listed until it is handled; each names its incident and where it is, opens
 * it, or shows it on the map. Acknowledging silences the tone. */
function AlertBanner(): VNode | null {
  const s = useStore();
  if (!s.alerts.length) return null;
  const show = (lat: number, lon: number) => { focusMap(lat, lon, 9); location.hash = "#/map"; };
  return html`<div class=${`alert-banner ${s.silenced ? "silenced" : ""}`} role="alert" data-alert>
    <ul>${[...s.alerts].reverse().map((a) => html`<li data-alert-item=${a.kind} data-alert-incident=${a.incident_id ?? ""}
        data-tak-alert=${a.kind === "tak" ? a.key.split(":")[1] : undefined}>
      <span class="mono">${dtg(a.at)}</span> <span class="alert-text">${a.text}</span>
      ${a.href ? html`<a href=${a.href} data-alert-open>Take it</a>` : null}
      ${a.incident_id ? html`<a href=${a.action ? itemLink(a.incident_id, a.action) : `#/incident/${encodeURIComponent(a.incident_id)}`}
        data-alert-open>${a.action ? "Act" : "Open"}</a>` : null}
      ${a.lat !== null && a.lon !== null ? html`<button onClick=${() => show(a.lat!, a.lon!)} data-alert-map>Map</button>` : null}
      <button onClick=${() => dismiss(a.key)} data-alert-dismiss title="handled: take it off the banner">Done</button>
    </li>`)}</ul>
    ${s.silenced ? null : html`<button onClick=${acknowledge} data-acknowledge>Silence (a)</button>`}
  </div>`;
}

/** A lost connection is visible at once: the bar, the live figures greyed, and when it is back,
 * what the page caught up on. */
function ConnectionBar(): VNode | null {
  const s = useStore();
  const c = s.connection;
  if (c.state === "reconnecting") {
    return html`<div class="connection lost" role="status" data-connection="lost">
      Connection to the coordination center lost at ${clock(new Date(c.since))}: reconnecting… What is shown may be
      out of date; actions are not sent until it is back.</div>`;
  }
  if (c.caughtUp) {
    return html`<div class="connection back" role="status" data-connection="back">${c.caughtUp}
      <button onClick=${() => update({ connection: { ...c, caughtUp: "" } })}>OK</button></div>`;
  }
  return null;
}

function Modal(): VNode | null {
  const s = useStore();
  if (!s.modal) return null;
  const { action, incident } = s.modal; // the incident as it stood when the form was opened
  const spec = ACTIONS[action];
  const close = () => update({ modal: null });
  const moved = incident && s.incident && s.incident.incident_id === incident.incident_id
    && s.incident.version !== incident.version;
  return html`<div class="modal" onClick=${(e: Event) => e.target === e.currentTarget && close()}>
    ${moved ? html`<div class="notice" data-changed>The incident changed since you opened this form
      (v${incident!.version} → v${s.incident!.version}). Decisions are refused until you look again.</div>` : null}
    <${Form} key=${action} title=${spec.title} submitLabel=${spec.submitLabel} fields=${spec.fields(incident)}
      onCancel=${close}
      onSubmit=${async (values: Values) => {
        const result = (await spec.send(values, incident)) as { incident_id?: string } | undefined;
        close();
        if (!incident && result?.incident_id) location.hash = `#/incident/${encodeURIComponent(result.incident_id)}`;
        else takeIncident(result); // the answer is the incident as it now stands: nothing to ask again
      }} />
  </div>`;
}

function Help(props: { onClose: () => void }): VNode {
  return html`<div class="modal" onClick=${props.onClose}><div class="form"><h2>Keyboard</h2>
    <table class="grid"><tbody>
      ${[["m", "map"], ["b", "incident board"], ["p", "persons: the reintegration board"], ["n", "report an isolating event"], ["i", "your turn: what waits for you"], ["a", "silence the alert tone"],
         ["t", "dark / light theme"], ["r", "refresh"], ["Esc", "close a form"], ["?", "this help"],
         ["arrows, + / -", "pan and zoom the map"]].map(([k, v]) => html`<tr><td class="mono">${k}</td><td>${v}</td></tr>`)}
    </tbody></table></div></div>`;
}

/** In an exercise, the scenario's date and how fast its clock runs ("EXERCISE 18 NOV 25 ×10"). */
function exerciseDate(config: Config): string {
  const speed = config.clock?.speed ?? 1;
  const pace = speed === 0 ? " (stopped)" : speed === 1 ? "" : ` ×${speed}`;
  const day = nodeDate().toUTCString().slice(5, 16).toUpperCase();
  return `EXERCISE ${day}${pace}`;
}

export function App(props: { onLogout: () => void }): VNode {
  const s = useStore();
  const [now, setNow] = useState(clock());
  const [help, setHelp] = useState(false);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(clock()), 1000);
    const onKey = (e: KeyboardEvent) => {
      const typing = (e.target as HTMLElement).closest("input, textarea, select");
      if (e.key === "Escape") { update({ modal: null }); setHelp(false); return; }
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      const keys: Record<string, () => void> = {
        m: () => { location.hash = "#/map"; },
        i: () => { location.hash = "#/inbox"; },
        b: () => { location.hash = "#/board"; },
        p: () => { location.hash = "#/persons"; },
        n: () => { if (state.me?.report_components.length) update({ modal: { action: "report", incident: null } }); },
        a: acknowledge,
        t: () => toggleTheme(),
        r: () => void refreshAll(),
        "?": () => setHelp(true),
      };
      keys[e.key]?.();
    };
    window.addEventListener("keydown", onKey);
    return () => { window.clearInterval(timer); window.removeEventListener("keydown", onKey); };
  }, []);
  const shown = currentIncidentId();
  useEffect(() => {
    update({ incident: null, timeline: [], error: "" });
    if (shown) void loadIncident(shown);
  }, [shown]);
  useEffect(() => { onAlertFlyTo((lat, lon) => focusMap(lat, lon, 9)); }, []);
  const logout = async () => {
    try {
      await api.logout();
    } catch (error) {
      update({ error: `log out failed, you are still logged in: ${error instanceof Error ? error.message : error}` });
      return;
    }
    disconnectFeed();
    props.onLogout();
  };
  const screen = s.route.startsWith("#/board") ? html`<${BoardView} />`
    : s.route.startsWith("#/inbox") ? html`<${InboxView} />`
    : s.route.startsWith("#/readiness") ? html`<${ReadinessView} />`
    : s.route.startsWith("#/persons") ? html`<${PersonsView} />`
    : s.route.startsWith("#/person/") ? html`<${PersonView} />`
    : s.route.startsWith("#/tak") ? html`<${TakView} />`
    : s.route.startsWith("#/exercise") ? html`<${ExerciseView} />`
    : s.route.startsWith("#/messages") ? html`<${MessagesView} />`
    : s.route.startsWith("#/incident/") ? html`<${IncidentView} />` : html`<${MapView} />`;
  return html`<div class="shell">
    <${Classification} />
    <header class="top">
      <b class="brand">JPRCC</b>
      <nav><a href="#/inbox" class=${`turn-count ${s.route.startsWith("#/inbox") ? "on" : ""} ${s.inbox?.urgent ? "has" : ""}`}
          data-inbox-count=${s.inbox?.items.length ?? 0} title="what waits for you (i)">Your turn
          <b aria-live="polite">${s.inbox?.items.length ?? 0}</b></a>
        <a href="#/map" class=${s.route.startsWith("#/map") ? "on" : ""}>Map (m)</a>
        <a href="#/board" class=${s.route.startsWith("#/board") ? "on" : ""}>Board (b)</a>
        <a href="#/persons" class=${s.route.startsWith("#/person") ? "on" : ""} data-nav="persons"
          title="every isolated person's step, custodian and next decision (p)">Persons (p)</a>
        <a href="#/readiness" class=${s.route.startsWith("#/readiness") ? "on" : ""}>Readiness</a>
        <a href="#/tak" class=${s.route.startsWith("#/tak") ? "on" : ""} data-nav="tak"
          title="alerts and positions from TAK devices">TAK</a>
        <a href="#/messages" class=${s.route.startsWith("#/messages") ? "on" : ""} data-nav="messages"
          title="messages: preview, print, release; the standing releases">Messages</a>
        ${s.config?.exercise ? html`<a href="#/exercise" class=${s.route.startsWith("#/exercise") ? "on" : ""} data-nav="exercise"
          title="the exercise: its clock, its injects, the after-action figures">Exercise</a>` : null}</nav>
      ${s.me?.report_components.length ? html`<button class="primary" data-report
        onClick=${() => update({ modal: { action: "report", incident: null } })}>Report isolating event (n)</button>` : null}
      <span class="spacer"></span>
      <span class=${`mono clock ${s.connection.state === "live" ? "" : "stale"}`} data-clock>${now}${s.connection.state === "live" ? "" : " (offline)"}</span>
      ${s.config?.exercise ? html`<a href="#/exercise" class="exercise-clock" data-exercise-clock title="Scenario time of the exercise">${exerciseDate(s.config)}</a>` : null}
      <span data-me>${s.me?.username} · ${label(s.me?.role)}${s.me?.component_id ? ` · ${s.me.component_id}` : ""}</span>
      <button onClick=${() => toggleTheme()} title="theme (t)">◐</button>
      <button onClick=${() => setHelp(true)} title="keyboard (?)">?</button>
      <button onClick=${logout} data-logout>Log out</button>
    </header>
    <${ConnectionBar} />
    <${AlertBanner} />
    ${s.error ? html`<div class="notice" data-error>${s.error}</div>` : null}
    <main class=${s.connection.state === "live" ? "" : "stale"}>${screen}</main>
    <${Classification} />
    <${Modal} />
    ${help ? html`<${Help} onClose=${() => setHelp(false)} />` : null}
  </div>`;
}

export function toggleTheme(): void {
  const theme = state.theme === "dark" ? "light" : "dark";
  localStorage.setItem("jprcc-theme", theme);
  document.documentElement.dataset.theme = theme;
  update({ theme });
}
