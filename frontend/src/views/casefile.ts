// An incident's case file, on its page: the interagency track (actors, requests with their
// approval and due time, dated entries), the information collection plan, and the PSYOP and Civil
// Affairs reports in force around the incident. Read when opened; need-to-know is the server's.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { Casefile, Incident } from "../api";
import { dtg, label, readUtc, span } from "../format";
import "../persons.css";
import { state, useStore } from "../store";
import { type Field, FormModal, type Values } from "./form";
import { nodeDate, nodeNow } from "../time";

const enc = encodeURIComponent;
/** What the reader may write here now: the server's own probe of its rules (``allowed_actions``). */
function rights(file: Casefile | null): { entry: boolean; collection: boolean; decide: boolean } {
  const allowed = new Set(file?.allowed_actions ?? []);
  return {
    entry: allowed.has("add_entry"),
    collection: allowed.has("add_collection_item"),
    decide: allowed.has("decide_request"),
  };
}

function Due(props: { at: string | null; overdue: boolean; done?: boolean }): VNode | null {
  if (!props.at) return html`<span class="help">—</span>`;
  const left = Date.parse(props.at) - nodeNow();
  return html`<span class=${props.overdue ? "alarm" : ""} data-overdue=${props.overdue ? "yes" : "no"}><span class="mono">${dtg(props.at)}</span>${
    props.done ? "" : props.overdue ? html` <b>OVERDUE ${span(left)}</b>` : ` (in ${span(left)})`}</span>`;
}

interface Prepared { title: string; submitLabel: string; fields: Field[]; send: (v: Values) => Promise<Casefile>; }

export function CasefilePanel(props: { incident: Incident }): VNode {
  useStore(); // the components list of the forms comes from the store
  const i = props.incident;
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<Casefile | null>(null);
  const [refused, setRefused] = useState("");
  const [error, setError] = useState("");
  const [form, setForm] = useState<{ kind: string; id?: string; approve?: boolean } | null>(null);
  const asked = useRef(0);
  const base = `/api/incidents/${enc(i.incident_id)}/casefile`;
  const load = () => {
    const n = ++asked.current;
    setError("");
    api.get<Casefile>(base).then(
      (answer) => { if (n === asked.current) { setFile(answer); setRefused(""); } },
      (err) => {
        if (n !== asked.current) return;
        if (err instanceof ApiError && err.status === 403) { setRefused(err.problem.message); setFile(null); }
        else setError(err instanceof ApiError ? err.problem.message : String(err));
      },
    );
  };
  useEffect(() => { asked.current += 1; setFile(null); setRefused(""); setError(""); setForm(null); setOpen(false); }, [i.incident_id]);
  const toggle = () => {
    if (!open) load();
    setOpen(!open);
  };
  const may = rights(file);
  const actors = new Map((file?.actors ?? []).map((a) => [a.actor_id, a]));
  const prepared = useMemo((): Prepared | null => {
    if (!form) return null;
    if (form.kind === "entry") {
      const initial = dtg(nodeDate().toISOString());
      return {
        title: "Add a case file entry", submitLabel: "Add entry",
        fields: [
          { name: "at", label: "When it happened (as the source dates it)", kind: "text", required: true, initial,
            help: "UTC: a date-time group (250310Z NOV 26) or 2026-11-25 03:10",
            validate: (v) => { const t = readUtc(String(v)); return typeof t === "string" ? t : null; } },
          { name: "source", label: "Source", kind: "text", required: true },
          { name: "text", label: "Entry", kind: "textarea", required: true },
          { name: "actor_id", label: "Interagency actor it concerns", kind: "select",
            options: (file?.actors ?? []).map((a) => ({ value: a.actor_id, label: `${a.actor_id} ${a.organisation} (${a.contact})` })) },
        ],
        send: (v) => {
          const at = v.at === initial ? nodeDate() : readUtc(String(v.at));
          if (typeof at === "string") throw new Error(at);
          return api.post<Casefile>(`${base}/entries`, { at: at.toISOString(), source: v.source, text: v.text, actor_id: v.actor_id || null });
        },
      };
    }
    if (form.kind === "collection") {
      return {
        title: "Add to the collection plan", submitLabel: "Add item",
        fields: [
          { name: "item", label: "What to find out", kind: "textarea", required: true },
          { name: "assigned_to", label: "Assigned to", kind: "select", required: true,
            options: [{ value: "JPRCC", label: "JPRCC" }, ...state.components.map((c) => ({ value: c.component_id, label: `${c.component_id} — ${c.name}` }))] },
          { name: "due_hours", label: "Due in (hours, optional)", kind: "number", min: 0.25, max: 720, aliases: ["due_at"] },
        ],
        send: (v) => api.post<Casefile>(`${base}/collection`, {
          item: v.item, assigned_to: v.assigned_to,
          due_at: v.due_hours ? new Date(nodeNow() + Number(v.due_hours) * 3600_000).toISOString() : null }),
      };
    }
    const request = file?.requests.find((r) => r.request_id === form.id);
    return {
      title: `${form.approve ? "Approve" : "Refuse"} request ${form.id}`, submitLabel: form.approve ? "Approve" : "Refuse",
      fields: [
        { name: "request", label: "Request", kind: "custom", render: () => html`<div>${request?.text ?? ""}
          <div class="help">${request ? `${label(request.kind)} to ${actors.get(request.actor_id)?.organisation ?? request.actor_id} · raised by ${request.raised_by} ${dtg(request.raised_at)}` : ""}</div></div>` },
        { name: "remarks", label: form.approve ? "Remarks" : "Why it is refused", kind: "textarea", required: !form.approve },
      ],
      send: (v) => api.post<Casefile>(`${base}/requests/${enc(form.id ?? "")}/decision`, { approve: Boolean(form.approve), remarks: v.remarks }),
    };
  }, [form]);
  const head = html`<div class="bar"><button data-casefile-toggle aria-expanded=${open} onClick=${toggle}>
    ${open ? "Hide the case file" : "Show the case file"}</button>
    <span class="help">interagency track, collection plan, PSYOP and Civil Affairs reports</span>
    ${open && file ? html`<button data-casefile-reload onClick=${load}>Reload</button>` : null}
    ${open && file && may.entry ? html`<button data-casefile-action="entry" onClick=${() => setForm({ kind: "entry" })}>Add entry</button>` : null}
    ${open && file && may.collection ? html`<button data-casefile-action="collection" onClick=${() => setForm({ kind: "collection" })}>Add collection item</button>` : null}
  </div>`;
  if (!open) return html`<div class="casefile" data-casefile="closed">${head}</div>`;
  return html`<div class="casefile" data-casefile="open">${head}
    ${error ? html`<div class="error" data-casefile-error>${error}</div>` : null}
    ${refused ? html`<p class="warn" data-need-to-know="refused">The case file is need-to-know: it is not shown to you. <span class="help">${refused}</span></p>` : null}
    ${!file && !refused && !error ? html`<p class="help">Loading…</p>` : null}
    ${file ? html`
      ${file.partial ? html`<p class="warn" data-need-to-know="partial">Part of the interagency track is need-to-know and not shown to you.</p>` : null}
      <h4>Interagency actors</h4>
      ${file.actors.length ? html`<table class="grid dense" data-casefile-actors><thead><tr><th>id</th><th>organisation</th><th>kind</th><th>contact</th><th>role</th><th>need-to-know</th></tr></thead>
        <tbody>${file.actors.map((a) => html`<tr data-actor=${a.actor_id}><td class="mono">${a.actor_id}</td><td>${a.organisation}</td><td>${label(a.kind)}</td>
          <td>${a.contact}</td><td>${a.role}</td><td>${a.need_to_know.join(", ") || html`<span class="help">—</span>`}</td></tr>`)}</tbody></table>`
        : html`<p class="help">None${file.partial ? " shown" : ""}.</p>`}
      <h4>Requests and taskings</h4>
      ${file.requests.length ? html`<table class="grid dense" data-casefile-requests><thead><tr><th>id</th><th>to</th><th>asks</th><th>due</th><th>approval</th><th>outcome</th></tr></thead>
        <tbody>${file.requests.map((r) => html`<tr data-request=${r.request_id} data-approval=${r.approval}>
          <td class="mono">${r.request_id}</td>
          <td>${label(r.kind)} · ${actors.get(r.actor_id)?.organisation ?? r.actor_id}</td>
          <td>${r.text}<div class="help">${r.source} · raised by ${r.raised_by} ${dtg(r.raised_at)}</div></td>
          <td><${Due} at=${r.due_at} overdue=${r.overdue} done=${Boolean(r.done_at)} /></td>
          <td><span class=${`approval ${r.approval}`}>${r.approval}</span>${r.decided_by ? html`<div class="help">${r.decided_by} ${dtg(r.decided_at)}${r.decision_remarks ? `: ${r.decision_remarks}` : ""}</div>` : null}
            ${r.approval === "pending" && may.decide ? html`<div><button data-decide-request=${r.request_id} data-approve="yes"
                onClick=${() => setForm({ kind: "decide", id: r.request_id, approve: true })}>Approve</button><button data-decide-request=${r.request_id} data-approve="no"
                onClick=${() => setForm({ kind: "decide", id: r.request_id, approve: false })}>Refuse</button></div>` : null}</td>
          <td>${r.outcome || html`<span class="help">${r.done_at ? "done" : "—"}</span>`}</td></tr>`)}</tbody></table>`
        : html`<p class="help">None${file.partial ? " shown" : ""}.</p>`}
      <h4>Entries</h4>
      ${file.entries.length ? html`<ul class="entries" data-casefile-entries>${file.entries.map((e) => html`<li data-entry=${e.entry_id}>
          <span class="mono">${dtg(e.at)}</span> <b>${e.source}</b>${e.actor_id ? ` (${actors.get(e.actor_id)?.organisation ?? e.actor_id})` : ""}: ${e.text}
          <span class="help">${` — recorded by ${e.recorded_by}`}</span></li>`)}</ul>`
        : html`<p class="help">None${file.partial ? " shown" : ""}.</p>`}
      <h4>Collection plan</h4>
      ${file.collection.length ? html`<table class="grid dense" data-casefile-collection><thead><tr><th>id</th><th>item</th><th>assigned to</th><th>due</th><th>result</th></tr></thead>
        <tbody>${file.collection.map((c) => html`<tr data-collection-item=${c.item_id}><td class="mono">${c.item_id}</td><td>${c.item}
          <div class="help">added by ${c.added_by} ${dtg(c.added_at)}</div></td><td>${c.assigned_to}</td>
          <td><${Due} at=${c.due_at} overdue=${c.overdue} done=${Boolean(c.done_at)} /></td>
          <td>${c.done_at ? html`${c.result}<div class="help">${c.done_by} ${dtg(c.done_at)}</div>` : html`<span class="help">open</span>`}</td></tr>`)}</tbody></table>`
        : html`<p class="help">Nothing to collect yet.</p>`}
      <h4>Area reports (PSYOP, Civil Affairs)</h4>
      ${file.area_reports.length ? html`<ul class="entries" data-casefile-area>${file.area_reports.map((a) => html`<li data-area-report=${a.layer_id}>
          <b>${a.name}</b> — ${a.text} <span class="help">· ${a.source} · ${a.distance_km.toFixed(1)} km away · since ${dtg(a.valid_from)}</span></li>`)}</ul>`
        : html`<p class="help">None in force within reach of the incident.</p>`}` : null}
    ${prepared ? html`<${FormModal} key=${`${form?.kind}:${form?.id ?? ""}`} name=${`casefile-${form?.kind}`} title=${prepared.title}
      submitLabel=${prepared.submitLabel} fields=${prepared.fields} onCancel=${() => setForm(null)}
      onSubmit=${async (values: Values) => { setFile(await prepared.send(values)); setForm(null); }} />` : null}
  </div>`;
}
