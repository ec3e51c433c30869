// Messages: compose one from the template in force (preview as text, as the printable page, or as
// PDF), release it to its recipients (kept in the log with its exact text and hash), read back
// what was released, and the standing releases (the daily summary for the JFC).
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type Problem } from "../api";
import type * as S from "../schema";
import { dtg } from "../format";
import "../messages.css";
import { useStore } from "../store";

type Template = S.TemplateOut;
type Message = S.MessageOut;
type Schedule = S.ScheduleOut;

const JPRCC_ROLES = ["jprcc_director", "jprcc_controller", "system"];

function problem(err: unknown): string {
  return err instanceof ApiError ? err.problem.message : String(err);
}

/** POST a JSON body and get the answer as bytes (text, the printable page, PDF). */
async function render(path: string, body: unknown): Promise<Blob> {
  const response = await fetch(path, {
    method: "POST", credentials: "same-origin",
    headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  }).catch(() => null);
  if (response === null) {
    throw new ApiError(0, { error: "unreachable", field: null, message: "The coordination center cannot be reached." });
  }
  if (!response.ok) {
    const data = await response.json().catch(() => ({ error: "bad_answer", message: response.statusText, field: null }));
    throw new ApiError(response.status, data as Problem);
  }
  return response.blob();
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** May this user release this kind (about this incident)? The server decides; the page only
 * offers what would be allowed. */
function mayRelease(me: S.MeOut | null, kind: string, owner: string | null): boolean {
  if (!me) return false;
  if (JPRCC_ROLES.includes(me.role)) return true;
  return me.role === "prcc_officer" && owner !== null && owner === me.component_id
    && (kind === "initial_report" || kind === "sitrep");
}

function Compose(props: { templates: Template[]; incident: string; onReleased: () => void }): VNode {
  const s = useStore();
  const [kind, setKind] = useState<string>(props.incident ? "sitrep" : "theater_sitrep");
  const [incident, setIncident] = useState(props.incident);
  const [width, setWidth] = useState(69);
  const [text, setText] = useState("");
  const [page, setPage] = useState("");
  const [to, setTo] = useState("");
  const [error, setError] = useState("");
  const [done, setDone] = useState<Message | null>(null);
  const [busy, setBusy] = useState("");
  const template = props.templates.find((t) => t.kind === kind);
  const perIncident = template?.per_incident ?? false;
  const rows = s.board?.rows ?? [];
  const owner = rows.find((r) => r.incident_id === incident)?.owning_component ?? null;
  const body = () => ({ kind, incident_id: perIncident ? incident || null : null, line_length: width });
  const run = async (what: string, work: () => Promise<void>) => {
    setBusy(what);
    setError("");
    try {
      await work();
    } catch (err) {
      setError(problem(err));
    } finally {
      setBusy("");
    }
  };
  const preview = () => run("preview", async () => {
    setPage("");
    setText(await (await render("/api/messages/preview", body())).text());
  });
  const printable = () => run("page", async () => {
    setText("");
    setPage(await (await render("/api/messages/preview.html", body())).text());
  });
  const pdf = () => run("pdf", async () => {
    download(await render("/api/messages/preview.pdf", body()), `${kind}${perIncident && incident ? `-${incident}` : ""}.pdf`);
  });
  const release = (e: Event) => {
    e.preventDefault();
    void run("release", async () => {
      const recipients = to.split(",").map((r) => r.trim()).filter(Boolean);
      const released = await api.post<Message>("/api/messages", { ...body(), recipients });
      setDone(released);
      setText(released.text);
      setPage("");
      props.onReleased();
    });
  };
  return html`<section class="panel messages-compose" data-messages-compose>
    <h2>Compose</h2>
    <div class="row">
      <label>Message <select value=${kind} data-message-kind
        onChange=${(e: Event) => { setKind((e.target as HTMLSelectElement).value); setDone(null); }}>
        ${props.templates.map((t) => html`<option value=${t.kind}>${t.label}${t.version ? ` (template v${t.version})` : ""}</option>`)}
      </select></label>
      ${perIncident ? html`<label>Incident <select value=${incident} data-message-incident
        onChange=${(e: Event) => setIncident((e.target as HTMLSelectElement).value)}>
        <option value="">(choose)</option>
        ${rows.map((r) => html`<option value=${r.incident_id}>${r.incident_id} — ${r.title}</option>`)}
      </select></label>` : null}
      <label>Line length <input type="number" min="40" max="200" value=${width} data-message-width
        onInput=${(e: Event) => setWidth(Number((e.target as HTMLInputElement).value))} /></label>
    </div>
    <div class="row">
      <button onClick=${preview} disabled=${!!busy} data-message-preview>Preview text</button>
      <button onClick=${printable} disabled=${!!busy} data-message-page>Printable page</button>
      <button onClick=${pdf} disabled=${!!busy} data-message-pdf>Download PDF</button>
      ${busy ? html`<span class="muted" data-message-busy>${busy === "pdf" ? "printing…" : "rendering…"}</span>` : null}
    </div>
    ${mayRelease(s.me, kind, owner) ? html`<form class="row" onSubmit=${release} data-message-release-form>
      <label>Release to <input value=${to} placeholder="JFC, JFSOCC PRCC" data-message-recipients
        onInput=${(e: Event) => setTo((e.target as HTMLInputElement).value)} /></label>
      <button class="primary" type="submit" disabled=${!!busy || !to.trim()} data-message-release>Release</button>
    </form>` : html`<p class="muted" data-message-no-release>You may preview this message; releasing it is for the JPRCC
      ${kind === "sitrep" || kind === "initial_report" ? " or the owning component's PRCC" : ""}.</p>`}
    ${error ? html`<p class="alarm" role="alert" data-message-error>${error}</p>` : null}
    ${done ? html`<p class="notice" data-message-released=${done.message_id}>${`Released ${done.message_id} to ${done.recipients.join(", ")} at ${dtg(done.released_at)}. `}
      SHA-256 <span class="mono">${done.sha256}</span>${" · "}<a href=${`/api/messages/${done.message_id}.txt`}
      download=${`${done.message_id}.txt`}>Exact text</a></p>` : null}
    ${text ? html`<pre class="message-text" data-message-text>${text}</pre>` : null}
    ${page ? html`<iframe class="message-page" title="printable page" sandbox="" srcdoc=${page} data-message-frame></iframe>` : null}
  </section>`;
}

function Released(props: { messages: Message[] }): VNode {
  const [open, setOpen] = useState<string | null>(null);
  return html`<section class="panel" data-messages-released>
    <h2>Released</h2>
    ${props.messages.length ? html`<table class="grid"><thead><tr>
        <th>message</th><th>kind</th><th>incident</th><th>released</th><th>by</th><th>to</th><th></th></tr></thead>
      <tbody>${props.messages.map((m) => html`<tr data-message-row=${m.message_id}>
        <td><button class="link mono" onClick=${() => setOpen(open === m.message_id ? null : m.message_id)}>${m.message_id}</button></td>
        <td>${m.kind}</td><td>${m.incident_id ?? "—"}</td><td class="mono">${dtg(m.released_at)}</td>
        <td>${m.released_by}</td><td>${m.recipients.join(", ")}</td>
        <td><a href=${`/api/messages/${m.message_id}.txt`} download=${`${m.message_id}.txt`} data-message-download>.txt</a></td>
      </tr>`)}</tbody></table>` : html`<p class="muted">Nothing released yet.</p>`}
    ${open ? html`<div data-message-shown=${open}>
      <p class="muted">As released: SHA-256 <span class="mono">${props.messages.find((m) => m.message_id === open)?.sha256}</span></p>
      <pre class="message-text">${props.messages.find((m) => m.message_id === open)?.text}</pre></div>` : null}
  </section>`;
}

function Schedules(props: { templates: Template[] }): VNode {
  const s = useStore();
  const [found, setFound] = useState<Schedule[]>([]);
  const [kind, setKind] = useState("daily_summary");
  const [first, setFirst] = useState("");
  const [every, setEvery] = useState(24);
  const [to, setTo] = useState("JFC");
  const [error, setError] = useState("");
  const load = async () => {
    try {
      setFound(await api.get<Schedule[]>("/api/messages/schedules"));
    } catch (err) {
      setError(problem(err));
    }
  };
  useEffect(() => { void load(); }, []);
  const jprcc = !!s.me && JPRCC_ROLES.includes(s.me.role);
  const add = async (e: Event) => {
    e.preventDefault();
    setError("");
    try {
      await api.post<Schedule>("/api/messages/schedules", {
        kind, first_at: first, every_h: every, recipients: to.split(",").map((r) => r.trim()).filter(Boolean),
      });
      await load();
    } catch (err) {
      setError(problem(err));
    }
  };
  const cancel = async (id: string) => {
    setError("");
    try {
      await api.del<Schedule>(`/api/messages/schedules/${id}`);
      await load();
    } catch (err) {
      setError(problem(err));
    }
  };
  return html`<section class="panel" data-messages-schedules>
    <h2>Standing releases</h2>
    <p class="muted">Released by the node's clock at each time, from the template in force, each time once.</p>
    ${found.length ? html`<table class="grid"><thead><tr><th>schedule</th><th>message</th><th>every</th><th>next</th>
        <th>last released</th><th>to</th><th></th></tr></thead>
      <tbody>${found.map((x) => html`<tr data-schedule-row=${x.schedule_id}>
        <td class="mono">${x.schedule_id}</td><td>${x.kind}</td><td>${x.every_h} h</td>
        <td class="mono">${x.next_at ? dtg(x.next_at) : "—"}</td><td class="mono">${x.last_message_id ?? "—"}</td>
        <td>${x.recipients.join(", ")}</td>
        <td>${jprcc ? html`<button onClick=${() => cancel(x.schedule_id)} data-schedule-cancel>Cancel</button>` : null}</td>
      </tr>`)}</tbody></table>` : html`<p class="muted" data-schedules-none>None.</p>`}
    ${jprcc ? html`<form class="row" onSubmit=${add} data-schedule-form>
      <label>Message <select value=${kind} onChange=${(e: Event) => setKind((e.target as HTMLSelectElement).value)} data-schedule-kind>
        ${props.templates.filter((t) => !t.per_incident).map((t) => html`<option value=${t.kind}>${t.label}</option>`)}</select></label>
      <label>First (UTC) <input value=${first} placeholder="2026-12-06T06:00Z" data-schedule-first
        onInput=${(e: Event) => setFirst((e.target as HTMLInputElement).value)} /></label>
      <label>Every (h) <input type="number" min="1" max="168" value=${every} data-schedule-every
        onInput=${(e: Event) => setEvery(Number((e.target as HTMLInputElement).value))} /></label>
      <label>To <input value=${to} data-schedule-to onInput=${(e: Event) => setTo((e.target as HTMLInputElement).value)} /></label>
      <button class="primary" type="submit" data-schedule-add>Schedule</button>
    </form>` : null}
    ${error ? html`<p class="alarm" role="alert" data-schedule-error>${error}</p>` : null}
  </section>`;
}

/** ``#/messages`` (or ``#/messages/<incident>``, composing that incident's SITREP). */
export function MessagesView(): VNode {
  const s = useStore();
  const [templates, setTemplates] = useState<Template[]>([]);
  const [messages, setMessages] = useState<Message[]>([]);
  const [error, setError] = useState("");
  const incident = decodeURIComponent(s.route.split("/")[2] ?? "");
  const loadMessages = async () => {
    try {
      setMessages(await api.get<Message[]>("/api/messages"));
    } catch (err) {
      setError(problem(err));
    }
  };
  useEffect(() => {
    api.get<Template[]>("/api/messages/templates").then(setTemplates, (err) => setError(problem(err)));
    void loadMessages();
  }, []);
  const theater = !!s.me && !["prcc_officer", "liaison_officer"].includes(s.me.role);
  return html`<div class="messages" data-messages>
    ${error ? html`<p class="alarm" role="alert">${error}</p>` : null}
    ${templates.length ? html`<${Compose} key=${incident} templates=${templates} incident=${incident} onReleased=${loadMessages} />` : null}
    <${Released} messages=${messages} />
    ${theater && templates.length ? html`<${Schedules} templates=${templates} />` : null}
  </div>`;
}
