// TAK: alerts from devices (taken in two steps: acknowledge, then confirm into an incident, or
// dismiss), the devices heard (bound by uid, the unbound ones first), and the gateway's links.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import { dismiss } from "../data";
import type * as S from "../schema";
import "../tak.css";
import { useStore } from "../store";
import { nodeNow } from "../time";

type TakAlert = S.jprcc__tak__schemas__AlertOut;
type Device = S.DeviceOut;
type Link = S.ConnectionOut;

const ENVIRONMENTS = ["land", "maritime", "littoral", "urban", "mountain", "desert", "jungle", "arctic"];

function hhmm(at: string | null | undefined): string {
  if (!at) return "-";
  const d = new Date(at);
  return `${String(d.getUTCHours()).padStart(2, "0")}${String(d.getUTCMinutes()).padStart(2, "0")}Z`;
}

function age(at: string | null | undefined): string {
  if (!at) return "never";
  const s = Math.max(0, Math.round((nodeNow() - new Date(at).getTime()) / 1000));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

function message(err: unknown): string {
  return err instanceof ApiError ? err.problem.message : String(err);
}

/** The banner's words for a TAK alert: what, from whom, bound to whom, where. */
export function takAlertText(a: TakAlert): string {
  const who = a.binding ? `${a.binding.label}, ${a.binding.component_id}` : "device bound to nothing";
  const where = a.position ? `${a.position.mgrs} ±${Math.round(a.ce_m ?? 0)} m` : "no position";
  return `TAK ${a.kind_label.toUpperCase()} — ${a.callsign} (${who}) at ${where} — received ${hhmm(a.received_at)}`;
}

function Confirm(props: { alert: TakAlert; onDone: (a: TakAlert) => void }): VNode {
  const a = props.alert;
  const [join, setJoin] = useState(a.suggested_incident ?? "");
  const [title, setTitle] = useState("");
  const [environment, setEnvironment] = useState("land");
  const [persons, setPersons] = useState("");
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = join
      ? { incident_id: join }
      : { title, environment, persons: persons.split(",").map((p) => p.trim()).filter(Boolean) };
    try {
      props.onDone(await api.post<TakAlert>(`/api/tak/alerts/${a.alert_id}/confirmation`, body));
    } catch (err) {
      setError(message(err));
    }
  };
  return html`<form class="tak-confirm" onSubmit=${submit} data-tak-confirm-form>
    <p><b>Step two:</b> ${a.suggested_incident ? `${a.binding?.label} is in open incident ${a.suggested_incident}.` : "A new incident, reported from this alert."}</p>
    <label>Join an open incident <input value=${join} onInput=${(e: Event) => setJoin((e.target as HTMLInputElement).value)}
      placeholder="(empty: report a new incident)" data-tak-join /></label>
    ${join ? null : html`
      <label>Title <input value=${title} onInput=${(e: Event) => setTitle((e.target as HTMLInputElement).value)}
        placeholder=${`TAK ${a.kind_label}: ${a.callsign}`} /></label>
      <label>Environment <select value=${environment} data-tak-environment
        onChange=${(e: Event) => setEnvironment((e.target as HTMLSelectElement).value)}>
        ${ENVIRONMENTS.map((v) => html`<option value=${v}>${v}</option>`)}</select></label>
      ${a.binding?.kind === "asset" ? html`<label>Persons isolated (comma-separated)
        <input value=${persons} onInput=${(e: Event) => setPersons((e.target as HTMLInputElement).value)} /></label>` : null}`}
    ${error ? html`<p class="alarm" data-tak-error>${error}</p>` : null}
    <button class="primary" type="submit" data-tak-confirm-submit>Confirm</button>
  </form>`;
}

function AlertDetail(props: { alert: TakAlert; onChange: (a: TakAlert) => void }): VNode {
  const a = props.alert;
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  const act = async (path: string, body: unknown) => {
    try {
      props.onChange(await api.post<TakAlert>(`/api/tak/alerts/${a.alert_id}/${path}`, body));
      setError("");
    } catch (err) {
      setError(message(err));
    }
  };
  const allowed = new Set(a.allowed_actions);
  return html`<article class="tak-alert" data-tak-detail=${a.alert_id}>
    <h3>${a.kind_label.toUpperCase()} from ${a.callsign} <span class="mono">${a.alert_id}</span></h3>
    <p>Device <span class="mono">${a.uid}</span> — ${a.binding ? `${a.binding.kind} ${a.binding.label} (${a.binding.component_id})` : html`<b class="alarm">bound to nothing</b>`}</p>
    <p>At <b class="mono" data-tak-position>${a.position ? a.position.mgrs : "no position"}</b>${a.ce_m !== null ? ` ±${Math.round(a.ce_m)} m` : ""}
      · reported ${hhmm(a.reported_at)} · received ${hhmm(a.received_at)} · repeats ${a.repeats}</p>
    <p>Status <b data-tak-status>${a.status}</b>${a.acknowledged_by ? ` · acknowledged by ${a.acknowledged_by} at ${hhmm(a.acknowledged_at)}` : ""}
      ${a.decided_by ? ` · ${a.status} by ${a.decided_by} at ${hhmm(a.decided_at)}` : ""}</p>
    ${a.cancelled_by_device ? html`<p class="warn" data-tak-cancelled><b>Cancelled from the device at ${hhmm(a.cancelled_at)}</b> —
      a human must close this alert (a cancel may be pressed by anyone holding the device).</p>` : null}
    ${a.incident_id ? html`<p>Incident <a href=${`#/incident/${encodeURIComponent(a.incident_id)}`} data-tak-incident>${a.incident_id}</a>
      ${a.incident_created ? "(reported from this alert)" : "(joined)"}</p>` : null}
    ${a.details.length ? html`<table class="grid">${a.details.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</table>` : null}
    ${a.remarks ? html`<p>${a.remarks}</p>` : null}
    <div class="actions">
      ${allowed.has("acknowledge") ? html`<button class="primary" data-tak-acknowledge
        onClick=${() => void act("acknowledgement", { remarks: "" })}>Acknowledge (step one)</button>` : null}
      ${allowed.has("confirm") && !confirming ? html`<button class="primary" data-tak-confirm
        onClick=${() => setConfirming(true)}>Confirm… (step two)</button>` : null}
      ${allowed.has("dismiss") ? html`<span><input value=${reason} placeholder="why no incident" data-tak-reason
          onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} />
        <button data-tak-dismiss onClick=${() => void act("dismissal", { reason })}>Dismiss</button></span>` : null}
    </div>
    ${confirming && allowed.has("confirm") ? html`<${Confirm} alert=${a} onDone=${(x: TakAlert) => { setConfirming(false); props.onChange(x); }} />` : null}
    ${error ? html`<p class="alarm" data-tak-error>${error}</p>` : null}
  </article>`;
}

function Bind(props: { uid: string; onDone: () => void }): VNode {
  const [target, setTarget] = useState("");
  const [kind, setKind] = useState("asset_id");
  const [error, setError] = useState("");
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await api.post<Device>(`/api/tak/devices/${encodeURIComponent(props.uid)}/binding`, { [kind]: target.trim() });
      props.onDone();
    } catch (err) {
      setError(message(err));
    }
  };
  return html`<form class="inline" onSubmit=${submit} data-tak-bind=${props.uid}>
    <select value=${kind} onChange=${(e: Event) => setKind((e.target as HTMLSelectElement).value)}>
      <option value="asset_id">asset</option><option value="person_ref">person (ISOPREP)</option></select>
    <input value=${target} placeholder="JOLLY-11 or USAF-MARSH" data-tak-bind-target
      onInput=${(e: Event) => setTarget((e.target as HTMLInputElement).value)} />
    <button type="submit" data-tak-bind-submit>Bind</button>${error ? html` <span class="alarm">${error}</span>` : null}
  </form>`;
}

export function TakView(): VNode {
  const s = useStore();
  const [alerts, setAlerts] = useState<TakAlert[]>([]);
  const [devices, setDevices] = useState<Device[]>([]);
  const [links, setLinks] = useState<Link[] | null>(null);
  const [all, setAll] = useState(false);
  const [error, setError] = useState("");
  const selected = s.route.startsWith("#/tak/alert/") ? decodeURIComponent(s.route.slice("#/tak/alert/".length)) : null;
  const load = async () => {
    try {
      const [a, d] = await Promise.all([
        api.get<TakAlert[]>(`/api/tak/alerts?all=${all}`),
        api.get<Device[]>("/api/tak/devices"),
      ]);
      setAlerts(a);
      setDevices(d);
      setError("");
    } catch (err) {
      setError(message(err));
    }
    api.get<Link[]>("/api/tak/connections").then(setLinks).catch(() => setLinks(null));
  };
  useEffect(() => {
    void load();
    const timer = window.setInterval(() => void load(), 5000); // positions are not on the feed
    return () => window.clearInterval(timer);
  }, [all, s.takTick]);
  const [chosen, setChosen] = useState<TakAlert | null>(null);
  useEffect(() => {
    if (!selected) { setChosen(null); return; }
    api.get<TakAlert>(`/api/tak/alerts/${selected}`).then(setChosen).catch((err) => setError(message(err)));
  }, [selected, s.takTick]);
  const changed = (a: TakAlert) => {
    setChosen(a);
    if (a.status !== "received") dismiss(`tak:${a.alert_id}`); // taken: off the banner
    void load();
  };
  const unboundFirst = [...devices].sort((x, y) => Number(Boolean(x.binding)) - Number(Boolean(y.binding)));
  return html`<section class="tak" data-tak>
    <h2>TAK</h2>
    ${error ? html`<p class="alarm">${error}</p>` : null}
    <div class="tak-columns">
      <div>
        <h3>Alerts <label class="help"><input type="checkbox" checked=${all} onChange=${() => setAll(!all)} /> all</label></h3>
        ${alerts.length ? html`<ul class="tak-alerts">${alerts.map((a) => html`<li data-tak-row=${a.alert_id}
            class=${a.status === "received" ? "alarm" : ""}>
          <a href=${`#/tak/alert/${a.alert_id}`}>${a.kind_label.toUpperCase()} · ${a.callsign}</a>
          <span class="mono">${a.position?.mgrs ?? "no position"}</span> · ${a.status}${a.cancelled_by_device ? " · cancelled from the device" : ""}
        </li>`)}</ul>` : html`<p class="help">No open alert.</p>`}
        ${chosen ? html`<${AlertDetail} alert=${chosen} onChange=${changed} />` : null}
      </div>
      <div>
        <h3>Devices</h3>
        <table class="grid" data-tak-devices><thead><tr><th>uid</th><th>callsign</th><th>bound to</th><th>last report</th>
          <th>MGRS</th><th>link</th><th>alerts</th></tr></thead>
          <tbody>${unboundFirst.map((d) => html`<tr data-tak-device=${d.uid} data-bound=${d.binding ? "yes" : "no"}>
            <td class="mono">${d.uid}</td><td>${d.callsign}</td>
            <td>${d.binding ? `${d.binding.kind} ${d.binding.label} (${d.binding.component_id})`
              : html`<b class="alarm">unbound</b> <${Bind} uid=${d.uid} onDone=${() => void load()} />`}</td>
            <td>${age(d.last_report_at)}${d.stale ? html` <span class="warn">stale</span>` : ""}</td>
            <td class="mono">${d.position?.mgrs ?? "-"}</td>
            <td><span class=${`link-${d.link.state}`}>● ${d.link.state}</span></td><td>${d.open_alerts}</td></tr>`)}</tbody></table>
        ${links ? html`<h3>Links</h3><table class="grid" data-tak-links><thead><tr><th>link</th><th>audience</th><th>state</th>
          <th>devices</th><th>in</th><th>out</th><th>rejected</th></tr></thead><tbody>${links.map((l) => html`<tr>
          <td class="mono">${l.name}</td><td>${l.audience}</td><td>${l.state}</td><td>${l.devices}</td>
          <td>${l.counters.received ?? 0}</td><td>${l.counters.sent ?? 0}</td>
          <td>${Object.entries(l.rejected).map(([k, v]) => `${k} ${v}`).join(", ") || "0"}</td></tr>`)}</tbody></table>` : null}
      </div>
    </div>
  </section>`;
}
