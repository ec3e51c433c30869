// Fields that can only be filled right: the poll's offers from what the server will take, persons
// as rows with pickers, a position by a click on the map or pasted in any common form.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { Incident, Offerable, OfferableAsset } from "../api";
import { CAPABILITIES, CONDITIONS, dtg, label, readPosition, toMgrs } from "../format";
import { CopMap } from "../map";
import { state } from "../store";
import { mapAreas, mapItems } from "./mapview";
import { nodeNow } from "../time";

// --- the poll's offers -------------------------------------------------------------------------

export interface OfferRow {
  asset_id: string; callsign: string; capability: string; minutes: number; release: boolean; include: boolean; status: string;
}

/** A refusal of one offer named by the asset's callsign, as the form shows it, not by its place
 * in the list sent. */
export function byCallsign(error: unknown, rows: OfferRow[]): unknown {
  if (!(error instanceof ApiError)) return error;
  const sent = rows.filter((r) => r.include);
  const p = error.problem;
  const listed = p.errors ?? (p.field ? [{ field: p.field, rule: p.error, message: p.message }] : []);
  const errors = listed.map((e) => {
    const m = e.field.match(/^offers\[(\d+)\]/);
    const row = m ? sent[Number(m[1])] : undefined;
    return row ? { ...e, field: "offers", message: `${row.callsign}: ${e.message}` } : e;
  });
  return new ApiError(error.status, { ...p, errors });
}

/** The offers as the answer sends them: the time each is available, released where it must be. */
export function offersToSend(rows: OfferRow[]): object[] {
  return rows.filter((r) => r.include).map((r) => ({
    asset_id: r.asset_id, capability: r.capability, release_from_operation: r.release,
    available_at: new Date(nodeNow() + r.minutes * 60_000).toISOString(),
  }));
}

const STATUS_WORDS: Record<string, string> = {
  offerable: "ready to offer", needs_release: "committed: offer only by releasing it", in_sequence: "serving another incident",
  isolated_team: "the isolated team itself", not_offerable: "cannot be offered",
};

function firstRows(assets: OfferableAsset[]): OfferRow[] {
  return assets.filter((a) => a.status !== "not_offerable").map((a) => ({
    asset_id: a.asset_id, callsign: a.callsign, capability: a.asked[0] ?? a.capabilities[0], status: a.status,
    minutes: a.available_from ? Math.max(0, Math.ceil((new Date(a.available_from).getTime() - nodeNow()) / 60_000)) : 0,
    release: false, include: false,
  }));
}

/** The component's assets as the server would take them, nearest first among those asked for,
 * with the question above: what is asked, and by when. */
export function OfferPicker(props: { incident: Incident | null; component: string; rows: OfferRow[]; set: (v: unknown) => void }): VNode {
  const [found, setFound] = useState<Offerable | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    if (!props.incident || !props.component) return;
    const q = new URLSearchParams({ component_id: props.component });
    api.get<Offerable>(`/api/incidents/${encodeURIComponent(props.incident.incident_id)}/capability-poll/offerable?${q}`)
      .then((f) => { setFound(f); props.set(firstRows(f.assets)); },
        (e) => setError(e instanceof ApiError ? e.problem.message : String(e)));
  }, [props.incident?.incident_id, props.component]);
  if (error) return html`<div class="error">${error}</div>`;
  if (!found) return html`<div class="help">Reading what ${props.component} may offer…</div>`;
  const change = (id: string, patch: Partial<OfferRow>) => props.set(props.rows.map((r) => (r.asset_id === id ? { ...r, ...patch } : r)));
  return html`<div data-offer-picker>
    <div class="question" data-poll-question>Asked for: <b>${found.capabilities_needed.map(label).join(", ") || "any help"}</b>
      ${found.respond_by ? html` · answer by <b>${dtg(found.respond_by)}</b>` : null}</div>
    <table class="editor"><thead><tr><th>asset</th><th>as</th><th>from (min)</th><th>distance · time</th><th></th></tr></thead>
    <tbody>${found.assets.map((a) => {
      const row = props.rows.find((r) => r.asset_id === a.asset_id);
      const refused = a.status === "not_offerable";
      return html`<tr data-asset=${a.asset_id} data-offer-status=${a.status}>
        <td><label class="check"><input type="checkbox" name=${`offer:${a.asset_id}`} disabled=${refused} checked=${row?.include ?? false}
          onChange=${(e: Event) => change(a.asset_id, { include: (e.target as HTMLInputElement).checked })} /> <b>${a.callsign}</b></label>
          <div class="help">${a.asset_type} · <span class="offer-status">${STATUS_WORDS[a.status] ?? a.status}</span>
            ${a.asked.length ? "" : " · has none of the capabilities asked for"}</div>
          ${a.reason ? html`<div class="help" data-offer-reason>${a.reason}</div>` : null}</td>
        <td>${row ? html`<select value=${row.capability} onChange=${(e: Event) => change(a.asset_id, { capability: (e.target as HTMLSelectElement).value })}>
          ${a.capabilities.map((c) => html`<option value=${c}>${label(c)}${a.asked.includes(c) ? " ✓" : ""}</option>`)}</select>` : "—"}</td>
        <td>${row ? html`<input type="number" min=${a.available_from ? row.minutes : 0} max="1440" value=${row.minutes} title="minutes until available"
          onInput=${(e: Event) => change(a.asset_id, { minutes: Number((e.target as HTMLInputElement).value) })} />` : "—"}</td>
        <td class="mono">${a.distance_km.toFixed(0)} km${a.minutes_to_person === null ? "" : ` · ${a.minutes_to_person} min`}</td>
        <td>${a.status === "needs_release" && row ? html`<label class="check" title=${a.release_cost}><input type="checkbox" checked=${row.release}
          name=${`release:${a.asset_id}`} onChange=${(e: Event) => change(a.asset_id, { release: (e.target as HTMLInputElement).checked,
            include: (e.target as HTMLInputElement).checked || row.include })} /> release: ${a.release_cost}</label>` : null}</td>
      </tr>`;
    })}</tbody></table></div>`;
}

// --- persons as rows ---------------------------------------------------------------------------

export interface PersonRow { name: string; service: string; unit: string; condition: string; duty_status: string; }

const AT_LARGE = ["isolated", "evading", "missing", "dustwun"];

/** Every row is sent (a row without a name is refused before): row n of the form is row n of the
 * server's answer. */
export function personsToSend(rows: PersonRow[], component: string): object[] {
  return rows.map((r) => ({
    name: r.name.trim(), service: r.service.trim(), unit: r.unit.trim(), component_id: component,
    condition: r.condition, duty_status: r.duty_status,
  }));
}

export function PersonsEditor(props: { rows: PersonRow[]; set: (v: unknown) => void }): VNode {
  const rows = props.rows;
  const change = (i: number, patch: Partial<PersonRow>) => props.set(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const add = () => props.set([...rows, { name: "", service: rows[0]?.service ?? "", unit: rows[0]?.unit ?? "", condition: "unknown", duty_status: "isolated" }]);
  const cell = (i: number, key: "name" | "service" | "unit", placeholder: string) => html`<input name=${`person-${i}-${key}`}
    value=${rows[i][key]} placeholder=${placeholder} onInput=${(e: Event) => change(i, { [key]: (e.target as HTMLInputElement).value })} />`;
  return html`<table class="editor persons-editor" data-persons><thead><tr><th>#</th><th>name</th><th>service</th><th>unit</th><th>condition</th><th>status</th><th></th></tr></thead>
    <tbody>${rows.map((r, i) => html`<tr data-person-row=${i + 1}>
      <td>${i + 1}</td><td>${cell(i, "name", "Capt J. Doe")}</td><td>${cell(i, "service", "USAF")}</td><td>${cell(i, "unit", "VIPER 11")}</td>
      <td><select name=${`person-${i}-condition`} value=${r.condition} onChange=${(e: Event) => change(i, { condition: (e.target as HTMLSelectElement).value })}>
        ${CONDITIONS.map((c) => html`<option value=${c}>${label(c)}</option>`)}</select></td>
      <td><select name=${`person-${i}-status`} value=${r.duty_status} onChange=${(e: Event) => change(i, { duty_status: (e.target as HTMLSelectElement).value })}>
        ${AT_LARGE.map((c) => html`<option value=${c}>${label(c)}</option>`)}</select></td>
      <td>${rows.length > 1 ? html`<button type="button" title="remove" onClick=${() => props.set(rows.filter((_, j) => j !== i))}>×</button>` : null}</td>
    </tr>`)}</tbody>
    <tfoot><tr><td colspan="7"><button type="button" data-add-person onClick=${add}>+ person</button></td></tr></tfoot></table>`;
}

// --- a position: click the map, or paste it --------------------------------------------------------

/** A small map: a click puts the position there; what is typed or pasted is read as MGRS,
 * lat, lon or degrees-minutes(-seconds) and echoed in both. */
export function PositionPicker(props: { value: string; set: (v: unknown) => void }): VNode {
  const host = useRef<HTMLDivElement>(null);
  const map = useRef<CopMap | null>(null);
  useEffect(() => {
    const m = new CopMap(host.current!, state.config);
    map.current = m;
    m.setItems(mapItems());
    m.setAreas(mapAreas());
    const incidents = state.picture?.incidents ?? [];
    if (incidents.length) m.centerOn(incidents[0].lat, incidents[0].lon, 6);
    let down: { x: number; y: number } | null = null;
    const press = (e: PointerEvent) => { down = { x: e.clientX, y: e.clientY }; };
    const release = (e: PointerEvent) => {
      if (!down || Math.hypot(e.clientX - down.x, e.clientY - down.y) > 4) return; // a drag pans, it does not pick
      const box = host.current!.getBoundingClientRect();
      const at = m.toLatLon(e.clientX - box.left, e.clientY - box.top);
      props.set(`${at.lat.toFixed(5)}, ${at.lon.toFixed(5)}`);
    };
    host.current!.addEventListener("pointerdown", press);
    host.current!.addEventListener("pointerup", release);
    return () => { m.destroy(); map.current = null; };
  }, []);
  const read = props.value ? readPosition(props.value) : null;
  useEffect(() => {
    if (read && typeof read !== "string") map.current?.setRoute([[read.lat, read.lon], [read.lat, read.lon]]);
  }, [props.value]);
  const echo = read && typeof read !== "string" ? `${toMgrs(read.lat, read.lon)} · ${read.lat.toFixed(5)}, ${read.lon.toFixed(5)}` : "";
  return html`<div class="position-picker">
    <input name="position" value=${props.value} placeholder="MGRS, lat, lon, or 34°30'N 36°06'E"
      onInput=${(e: Event) => props.set((e.target as HTMLInputElement).value)} />
    <div class="echo" data-position-echo>${echo}</div>
    <div class="pick-map" ref=${host} data-pick-map title="click to put the position here"></div>
  </div>`;
}

// --- "we need help", with the report -------------------------------------------------------------

export interface HelpValue { need: boolean; capabilities: string[]; reason: string; given_by: string; }

export function helpProblem(v: HelpValue, askWho: boolean): string | null {
  if (!v.need) return null;
  if (!v.reason.trim()) return "say why help is needed";
  if (askWho && !v.given_by.trim()) return "say who asked for help (name and rank, as given)";
  return null;
}

/** "We need help": one box that, ticked, asks what help and why, and files the request for
 * assistance with the report. */
export function HelpBox(props: { value: HelpValue; set: (v: unknown) => void; askWho: boolean }): VNode {
  const v = props.value;
  const change = (patch: Partial<HelpValue>) => props.set({ ...v, ...patch });
  return html`<div class="help-box" data-help-box>
    <label class="check"><input type="checkbox" name="need_help" checked=${v.need}
      onChange=${(e: Event) => change({ need: (e.target as HTMLInputElement).checked })} /> <b>We need help</b>: file a request for assistance with this report</label>
    ${v.need ? html`<div class="checks">${CAPABILITIES.map((c) => html`<label class="check"><input type="checkbox" name=${`help:${c}`}
        checked=${v.capabilities.includes(c)} onChange=${(e: Event) => change({ capabilities: (e.target as HTMLInputElement).checked
          ? [...v.capabilities, c] : v.capabilities.filter((x) => x !== c) })} /> ${label(c)}</label>`)}</div>
      <textarea name="help_reason" rows="2" placeholder="Why: what the component cannot do itself" value=${v.reason}
        onInput=${(e: Event) => change({ reason: (e.target as HTMLTextAreaElement).value })} />
      ${props.askWho ? html`<input name="help_given_by" placeholder="Asked by (name and rank, as given on the line)" value=${v.given_by}
        onInput=${(e: Event) => change({ given_by: (e.target as HTMLInputElement).value })} />` : null}` : null}
  </div>`;
}
