// Locate on the incident page: where the isolated person probably is now (the search model's
// probability map, its numbers in large type, the information that shaped it), the search plans
// adopted, and a small form to propose and adopt the next one. The same layers go on the main map.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { Incident, LatLon, Locate, LocateInformation, SearchAssetIn, SearchPlan } from "../api";
import { loadIncident } from "../data";
import { dtg, label, toMgrs } from "../format";
import { CopMap, type GeoPicture, type MapArea, type MapItem } from "../map";
import { type LocateState, state, update, useStore } from "../store";
import { incidentSidc, type Sprite, sprite } from "../symbols";

/** Cells along each side of the probability map: the numbers and the picture use the same. */
const CELLS = 200;

// --- the Locate state, shared by the panel and the main map -----------------------------------

/** What a proposal rests on: the model's revision, the information and the plans adopted. */
export const basis = (r: Locate) => `${r.incident_id}|${r.revision}|${r.information.map((i) => i.info_id).join(",")}|${r.plans.length}`;

/** The search picture's part of the page's one store. */
export function setLocate(changes: Partial<LocateState>): void {
  update({ locate: { ...state.locate, ...changes } });
}

export function useLocate(): LocateState {
  return useStore().locate;
}

/** The picture loaded by this session (none after a log out), for the incident it is of. */
export function currentLocate(): Locate | null {
  return state.locate.result && state.me && state.locate.user === state.me.username ? state.locate.result : null;
}

const path = (id: string) => `/api/incidents/${encodeURIComponent(id)}/locate`;
const say = (err: unknown) => (err instanceof ApiError ? err.problem.message : String(err));

let asked = 0;

/** The numbers for an incident at a time (null: now); the last answer asked for wins. */
export async function loadLocate(id: string, at: string | null): Promise<void> {
  const ticket = ++asked;
  const before = state.locate.incidentId === id ? state.locate.at : null;
  const user = state.me?.username ?? null;
  if (id !== state.locate.incidentId || state.locate.user !== user) {
    setLocate({ incidentId: id, user, result: null, missing: false, error: "", errorField: null, proposal: null, proposalDropped: "", at });
  }
  setLocate({ loading: true, at });
  const query = new URLSearchParams({ cells: String(CELLS) });
  if (at) query.set("at", at);
  try {
    const result = await api.get<Locate>(`${path(id)}?${query}`);
    if (ticket !== asked) return;
    const stale = state.locate.proposal !== null && state.locate.proposalBasis !== basis(result);
    setLocate({ result, missing: false, error: "", errorField: null, loading: false,
      ...(stale ? { proposal: null, proposalDropped: "The picture changed since the proposal (new information, plan or model): propose again." } : {}) });
  } catch (err) {
    if (ticket !== asked) return;
    if (err instanceof ApiError && err.status === 422 && err.problem.field === "model") {
      setLocate({ result: null, missing: true, error: "", errorField: null, loading: false });
    } else {
      // the last good picture stays, with the reason next to what was asked
      setLocate({ error: say(err), errorField: err instanceof ApiError ? err.problem.field : null, loading: false, at: before });
    }
  }
}

/** The probability map of a result, or its GeoTIFF: the same time and cells as its numbers, so the
 * picture covers exactly ``result.map``. */
export function locateMapUrl(r: Locate, format: "png" | "tiff"): string {
  const query = new URLSearchParams({ format, cells: String(CELLS), at: r.at });
  return `${path(r.incident_id)}/map?${query}`;
}

export function locatePicture(r: Locate): GeoPicture {
  const { south, west, north, east } = r.map;
  return { url: locateMapUrl(r, "png"), south, west, north, east };
}

// --- the layers: shapes on the ground -----------------------------------------------------------

export interface LocateLayers { probability: boolean; stranded: boolean; containment: boolean; information: boolean; plans: boolean; }
const LAYERS_KEY = "jprcc-locate-layers";
export const locateLayers: LocateLayers = {
  probability: true, stranded: true, containment: true, information: true, plans: true,
  ...(JSON.parse(localStorage.getItem(LAYERS_KEY) || "{}") as Partial<LocateLayers>),
};

const M_PER_DEG = 111_320;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** A point east and north of another by metres (flat earth: good for search areas). */
function offset(p: LatLon, east: number, north: number): [number, number] {
  return [p.lat + north / M_PER_DEG, p.lon + east / (M_PER_DEG * Math.cos(rad(p.lat)))];
}

/** An ellipse as a ring: semi-axes in metres, the major axis's bearing clockwise from north. */
function ellipse(c: LatLon, major: number, minor: number, bearingDeg = 0, n = 72): [number, number][] {
  const t = rad(bearingDeg);
  return Array.from({ length: n }, (_, k) => {
    const a = (2 * Math.PI * k) / n;
    const u = major * Math.cos(a);
    const v = minor * Math.sin(a);
    return offset(c, u * Math.sin(t) + v * Math.cos(t), u * Math.cos(t) - v * Math.sin(t));
  });
}

const STYLE = {
  containment: { fill: "rgba(0, 0, 0, 0)", stroke: "#ffffff", dash: [3, 5], width: 1 },
  searched: { fill: "rgba(150, 200, 160, 0.10)", stroke: "#9fd8a8", dash: [8, 5], width: 1.5 },
  fix: { fill: "rgba(255, 210, 74, 0.06)", stroke: "#ffd24a", dash: [2, 4], width: 1.5 },
  bearing: { fill: "rgba(0, 0, 0, 0)", stroke: "#ffd24a", dash: [10, 4], width: 1.2 },
  plan: { fill: "rgba(76, 217, 123, 0.06)", stroke: "#4cd97b", dash: [], width: 2 },
  proposal: { fill: "rgba(62, 224, 255, 0.10)", stroke: "#3ee0ff", dash: [12, 4, 2, 4], width: 2.5 },
  stranded: { stroke: "#ff5fd2", dash: [], width: 1.5 },
};

/** The map's cells on the shore holding stranded probability: magenta, more opaque where more lies. */
function strandedAreas(r: Locate): MapArea[] {
  const cells = r.stranded?.cells ?? [];
  const most = cells.length ? cells[0].probability : 0;
  return cells.map((c, k) => ({
    id: `locate:stranded:${k}`,
    ring: [[c.north, c.west], [c.north, c.east], [c.south, c.east], [c.south, c.west]] as [number, number][],
    label: k === 0 ? "stranded" : "",
    fill: `rgba(255, 95, 210, ${(0.25 + (0.65 * c.probability) / (most || 1)).toFixed(3)})`,
    ...STYLE.stranded,
  }));
}

function informationAreas(info: LocateInformation, r: Locate): MapArea[] {
  const b = info.body;
  const id = `locate:info:${info.info_id}`;
  const tag = info.applied ? "" : " (not applied)";
  if (b.kind === "searched") {
    return [{ id, ring: b.polygon.map((p) => [p.lat, p.lon]), label: `${info.info_id} searched${b.asset ? ` · ${b.asset}` : ""}${tag}`, ...STYLE.searched }];
  }
  if (b.kind === "fix") {
    return [{ id, ring: ellipse(b.position, b.semi_major_m, b.semi_minor_m, b.orientation_deg), label: `${info.info_id} fix${tag}`, ...STYLE.fix }];
  }
  if (b.kind === "report") {
    return [{ id, ring: ellipse(b.position, b.radius_m, b.radius_m), label: `${info.info_id} report${tag}`, ...STYLE.fix }];
  }
  // a line of bearing, from the observer to beyond the far side of the map
  const centre = { lat: (r.map.south + r.map.north) / 2, lon: (r.map.west + r.map.east) / 2 };
  const reach = 2 * Math.hypot((centre.lat - b.observer.lat) * M_PER_DEG,
    (centre.lon - b.observer.lon) * M_PER_DEG * Math.cos(rad(centre.lat))) + 20_000;
  const end = offset(b.observer, reach * Math.sin(rad(b.bearing_deg)), reach * Math.cos(rad(b.bearing_deg)));
  return [{ id, ring: [[b.observer.lat, b.observer.lon], end], label: `${info.info_id} bearing ${b.bearing_deg}°${tag}`, ...STYLE.bearing }];
}

function planAreas(plan: SearchPlan, proposed: boolean): MapArea[] {
  return plan.areas.map((a, k) => ({
    id: proposed ? `locate:proposal:${k}` : `locate:plan:${plan.plan_id}:${k}`,
    ring: a.corners.map((p) => [p.lat, p.lon] as [number, number]),
    label: proposed ? `proposed · ${a.asset}` : `${plan.plan_id} · ${a.asset}`,
    ...(proposed ? STYLE.proposal : STYLE.plan),
  }));
}

/** The search's shapes: containment circles, fixes and searched areas, adopted plans, the proposal. */
export function locateAreas(r: Locate, proposal: SearchPlan | null, shown: LocateLayers = locateLayers): MapArea[] {
  const areas: MapArea[] = shown.stranded ? strandedAreas(r) : [];
  if (shown.containment) {
    for (const share of ["90", "50"] as const) {
      const m = r.containment_m[share];
      areas.push({ id: `locate:containment:${share}`, ring: ellipse(r.mean, m, m), label: `${share} %`, ...STYLE.containment });
    }
  }
  if (shown.information) for (const info of r.information) areas.push(...informationAreas(info, r));
  if (shown.plans) for (const plan of r.plans) areas.push(...planAreas(plan, false));
  if (proposal) areas.push(...planAreas(proposal, true));
  return areas;
}

let crosshair: Sprite | null = null;

/** A white crosshair in a ring, for the mean position (drawn once). */
function meanSprite(): Sprite {
  if (crosshair) return crosshair;
  const dpr = window.devicePixelRatio || 1;
  const size = 24;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size * dpr;
  const ctx = canvas.getContext("2d")!;
  ctx.scale(dpr, dpr);
  for (const [colour, width] of [["rgba(0, 0, 0, 0.8)", 4], ["#ffffff", 2]] as const) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    ctx.beginPath();
    ctx.arc(12, 12, 6, 0, 2 * Math.PI);
    ctx.moveTo(12, 1); ctx.lineTo(12, 8); ctx.moveTo(12, 16); ctx.lineTo(12, 23);
    ctx.moveTo(1, 12); ctx.lineTo(8, 12); ctx.moveTo(16, 12); ctx.lineTo(23, 12);
    ctx.stroke();
  }
  crosshair = { canvas, anchorX: 12, anchorY: 12 };
  return crosshair;
}

/** The mean position, as a symbol with its label. */
export function locateItems(r: Locate): MapItem[] {
  return [{ kind: "point", id: `locate:mean:${r.incident_id}`, lat: r.mean.lat, lon: r.mean.lon, sprite: meanSprite(), label: `mean ${r.mean.mgrs}` }];
}

/** The hottest cell of the probability map, read from its picture: the server's colours rise with
 * the probability (red and opacity both), so the reddest cell is the peak. Null until it is read. */
function useHottest(r: Locate): LatLon | null {
  const url = locateMapUrl(r, "png");
  const [found, setFound] = useState<{ url: string; at: LatLon } | null>(null);
  useEffect(() => {
    let live = true;
    const image = new Image();
    image.onload = () => {
      if (!live || !image.naturalWidth) return;
      const canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const ctx = canvas.getContext("2d", { willReadFrequently: true })!;
      ctx.drawImage(image, 0, 0);
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let best = -1;
      let most = -1;
      for (let k = 0; k < data.length; k += 4) {
        const heat = data[k + 3] ? data[k] + data[k + 3] : -1;
        if (heat > most) { most = heat; best = k / 4; }
      }
      if (best < 0) return;
      const row = Math.floor(best / canvas.width);
      const col = best % canvas.width;
      const m = r.map;
      setFound({ url, at: {
        lat: m.north - ((row + 0.5) * (m.north - m.south)) / canvas.height,
        lon: m.west + ((col + 0.5) * (m.east - m.west)) / canvas.width,
      } });
    };
    image.src = url;
    return () => { live = false; };
  }, [url]);
  return found?.url === url ? found.at : null;
}

// --- words and numbers ---------------------------------------------------------------------------

export const pct = (v: number, digits = 1) => `${(v * 100).toFixed(digits)} %`;
const distance = (m: number) => (m < 1000 ? `${Math.round(m)} m` : `${(m / 1000).toFixed(m < 10_000 ? 2 : 1)} km`);
const nautical = (m: number) => `${(m / 1852).toFixed(m < 18_520 ? 2 : 1)} NM`;
/** MGRS in its groups, as read out: 32S PJ 12997 71819. */
const spaced = (mgrs: string) => {
  const m = mgrs.match(/^(\d{1,2}[A-Z])([A-Z]{2})(\d*)$/);
  return m ? [m[1], m[2], m[3].slice(0, m[3].length / 2), m[3].slice(m[3].length / 2)].filter(Boolean).join(" ") : mgrs;
};
const km = (m: number) => (m / 1000).toFixed(m < 10_000 ? 2 : 1);

function movement(r: Locate): string {
  const m = r.model.movement;
  if (m.kind === "maritime") return `maritime drift (${String(m.object_class ?? "")})`;
  if (m.kind === "evader") {
    const named = (m.destinations as { name: string }[] | undefined)?.map((d) => d.name) ?? [];
    if (m.sealed_destinations) named.push(`the evasion plan of ${String(m.from_epa ?? "")} (sealed)`);
    const to = named.join(", ");
    return `evader on foot${to ? ` toward ${to}` : ""}`;
  }
  return "stationary";
}

function infoWhat(info: LocateInformation): string {
  const b = info.body;
  if (b.kind === "searched") {
    return `${b.asset || "search"} until ${dtg(b.ended_at)} · sweep ${Math.round(b.sweep_width_m)} m, spacing ${Math.round(b.track_spacing_m)} m · ${label(b.law)}`;
  }
  if (b.kind === "fix") return `ellipse ${distance(b.semi_major_m)} × ${distance(b.semi_minor_m)} at ${Math.round(b.orientation_deg)}° (${pct(b.confidence, 0)})`;
  if (b.kind === "report") return `within ${distance(b.radius_m)}`;
  return `bearing ${b.bearing_deg}° ± ${b.sigma_deg}°`;
}

/** What a search shape or the mean on a map is, in a line (for the card of what was clicked). */
export function describeArea(id: string, r: Locate, proposal: SearchPlan | null): string {
  const parts = id.split(":");
  if (parts[1] === "mean") {
    return `${r.incident_id}: mean position ${spaced(r.mean.mgrs)} at ${dtg(r.at)}; 50 % within ${distance(r.containment_m["50"])}, 90 % within ${distance(r.containment_m["90"])}`;
  }
  if (parts[1] === "stranded") {
    const cell = r.stranded?.cells[Number(parts[2])];
    if (!cell || !r.stranded) return "";
    return `stranded on the shore: ${pct(cell.probability, 2)} in this cell, ${pct(r.stranded.probability)} on the shore in all — a shoreline search, by boat along the water's edge or on foot along the beach`;
  }
  if (parts[1] === "containment") return `${parts[2]} % of the probability lies within ${distance(r.containment_m[parts[2] as "50" | "90"])} of the mean`;
  if (parts[1] === "info") {
    const info = r.information.find((x) => x.info_id === parts[2]);
    return info ? `${info.info_id} ${info.kind}, ${dtg(info.at)}: ${infoWhat(info)}${info.source ? ` — ${info.source}` : ""}` : "";
  }
  const plan = parts[1] === "proposal" ? proposal : r.plans.find((p) => p.plan_id === parts[2]);
  const area = plan?.areas[Number(parts[parts.length - 1])];
  if (!plan || !area) return "";
  return `${plan.plan_id || "proposed"} · ${area.asset}: ${km(area.width_m)} × ${km(area.height_m)} km, spacing ${Math.round(area.track_spacing_m)} m, POD ${pct(area.probability_of_detection)}, POC ${pct(area.probability_of_containment)}`;
}

// --- the map in the panel -------------------------------------------------------------------------

const LAYER_NAMES: [keyof LocateLayers, string][] = [
  ["probability", "probability map"], ["stranded", "stranded on the shore"], ["containment", "50 / 90 % circles"],
  ["information", "fixes & searches"], ["plans", "search plans"],
];

function LocateMap(props: { result: Locate; proposal: SearchPlan | null }): VNode {
  const s = useStore();
  const host = useRef<HTMLDivElement>(null);
  const map = useRef<CopMap | null>(null);
  const fitted = useRef("");
  const [selected, setSelected] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const r = props.result;
  useEffect(() => {
    const m = new CopMap(host.current!, state.config);
    map.current = m;
    if (window.__jprccInstrument) window.__cop = { map: window.__cop?.map ?? null, locateMap: m };
    m.onSelect = (item) => setSelected(item?.id ?? null);
    return () => {
      m.destroy();
      map.current = null;
      if (window.__cop) window.__cop.locateMap = null;
    };
  }, []);
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    if (fitted.current !== r.incident_id) {
      fitted.current = r.incident_id;
      m.fitBounds(r.map);
    }
    m.setPicture(locateLayers.probability ? locatePicture(r) : null);
    m.setAreas(locateAreas(r, props.proposal));
    const incident = s.picture?.incidents.find((x) => x.incident_id === r.incident_id);
    const items = locateItems(r);
    if (incident) {
      items.push({ kind: "incident", id: `incident:${incident.incident_id}`, lat: incident.lat, lon: incident.lon,
        sprite: sprite(incidentSidc(incident)), label: `${incident.incident_id} (reported)` });
    }
    m.setItems(items);
  }, [r, props.proposal, s.picture, tick]);
  const toggle = (key: keyof LocateLayers) => {
    locateLayers[key] = !locateLayers[key];
    localStorage.setItem(LAYERS_KEY, JSON.stringify(locateLayers));
    setTick((t) => t + 1);
    setLocate({}); // the main map follows
  };
  const showOnMainMap = () => {
    setLocate({ onMainMap: true, fitMainMap: true });
    location.hash = "#/map";
  };
  const said = selected ? describeArea(selected, r, props.proposal) : "";
  return html`<div class="locate-body">
    <div class="locate-map" ref=${host} data-locate-map></div>
    <aside class="locate-side">
      ${LAYER_NAMES.map(([key, text]) => html`<label class="check"><input type="checkbox" data-locate-layer=${key}
        checked=${locateLayers[key]} onChange=${() => toggle(key)} /> ${text}</label>`)}
      <div class="ramp-legend"><span class="ramp"></span><span class="help">low → peak cell (${r.map.peak >= 1e-5 ? pct(r.map.peak, 3) : r.map.peak.toExponential(1)})</span></div>
      <ul class="key help">
        <li><span class="swatch searched"></span> searched</li><li><span class="swatch fix"></span> fix / report</li>
        <li><span class="swatch plan"></span> adopted plan</li><li><span class="swatch proposal"></span> proposed</li>
        <li><span class="swatch containment"></span> 50 / 90 % of the probability</li>
        ${r.stranded ? html`<li data-stranded-key><span class="swatch stranded"></span> stranded on the shore (${pct(r.stranded.probability)})</li>` : null}</ul>
      <div class="help">${"Probability map: "}<a data-locate-export="png" href=${locateMapUrl(r, "png")}
          download=${`${r.incident_id}-probability.png`}>PNG</a>${" · "}<a data-locate-export="tiff"
          href=${locateMapUrl(r, "tiff")} download=${`${r.incident_id}-probability.tif`}>GeoTIFF</a></div>
      <div class="buttons">
        <button type="button" data-locate-fit onClick=${() => map.current?.fitBounds(r.map)}>Fit</button>
        <button type="button" data-locate-main onClick=${showOnMainMap}>Show on the main map</button></div>
      ${said ? html`<div class="symbol-card" data-locate-card>${said}</div>` : html`<p class="help">Click a shape for what it is.</p>`}
    </aside>
  </div>`;
}

// --- the plan form ----------------------------------------------------------------------------------

interface Row {
  name: string; sweep_width_m: string; speed_kt: string; hours: string; searches: "any" | "water" | "land"; signal_probability: string;
}
// signal: for a listening search, the chance the person transmits while the asset listens (1 by sight)
const NUMBERS: [keyof Row, string, number, string][] = [
  ["sweep_width_m", "sweep width m", 50_000, "e.g. 2000"], ["speed_kt", "speed kt", 600, "e.g. 90"], ["hours", "hours on task", 48, "e.g. 2"],
  ["signal_probability", "signal heard (0–1)", 1, "1 by sight"],
];
const blankRow = (): Row => ({ name: "", sweep_width_m: "", speed_kt: "", hours: "", searches: "any", signal_probability: "1" });
const MAX_ASSETS = 12;

function checkCell(key: keyof Row, value: string): string {
  if (key === "searches") return ["any", "water", "land"].includes(value) ? "" : "any, water or land";
  if (key === "name") return !value.trim() ? "name the asset" : value.trim().length > 200 ? "at most 200 characters" : "";
  const max = NUMBERS.find(([k]) => k === key)![2];
  if (!value.trim()) return "required";
  const n = Number(value);
  if (!Number.isFinite(n)) return "a number";
  if (n <= 0) return "more than 0";
  if (n > max) return `at most ${max}`;
  return "";
}

function PlanForm(props: { incident: Incident; proposal: SearchPlan | null }): VNode {
  const [rows, setRows] = useState<Row[]>([blankRow()]);
  const [law, setLaw] = useState("random");
  const [remarks, setRemarks] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState("");
  const [busy, setBusy] = useState<"" | "propose" | "adopt">("");
  const [adopted, setAdopted] = useState("");
  const i = props.incident;
  const proposal = props.proposal;

  const edit = (k: number, key: keyof Row, value: string) => {
    setRows(rows.map((row, n) => (n === k ? { ...row, [key]: value } : row)));
    setErrors({ ...errors, [`assets[${k}].${key}`]: checkCell(key, value) });
    setGeneral("");
    setAdopted("");
    if (state.locate.proposal || state.locate.proposalDropped) setLocate({ proposal: null, proposalDropped: "" }); // what is proposed is what the form says
  };
  const add = () => { if (rows.length < MAX_ASSETS) { setRows([...rows, blankRow()]); setLocate({ proposal: null }); } };
  const remove = (k: number) => {
    setRows(rows.filter((_, n) => n !== k));
    setErrors({}); // the rows below moved up: their messages would sit on the wrong row
    setLocate({ proposal: null });
  };
  const body = () => ({
    assets: rows.map((r): SearchAssetIn => ({
      name: r.name.trim(), sweep_width_m: Number(r.sweep_width_m), speed_kt: Number(r.speed_kt), hours: Number(r.hours), searches: r.searches,
      signal_probability: Number(r.signal_probability),
    })),
    law,
  });
  const valid = (): boolean => {
    const found: Record<string, string> = {};
    rows.forEach((row, k) => {
      for (const key of Object.keys(row) as (keyof Row)[]) {
        const m = checkCell(key, row[key]);
        if (m) found[`assets[${k}].${key}`] = m;
      }
    });
    setErrors(found);
    return !Object.keys(found).length;
  };
  const placed = (err: unknown) => {
    if (!(err instanceof ApiError)) { setGeneral(String(err)); return; }
    const list = err.problem.errors ?? (err.problem.field ? [{ field: err.problem.field, message: err.problem.message }] : []);
    const known: Record<string, string> = {};
    const rest: string[] = [];
    for (const e of list) {
      const field = e.field.replace(/^body\./, "");
      const message = e.message.replace(/^Value error, /, "");
      if (/^assets\[\d+\]\.\w+$/.test(field) || ["at", "law", "remarks"].includes(field)) known[field] = message;
      else rest.push(list.length > 1 && field ? `${field}: ${message}` : message);
    }
    setErrors(known);
    setGeneral(rest.join("; ") || (Object.keys(known).length ? "" : err.problem.message));
  };
  const propose = async (e: Event) => {
    e.preventDefault();
    setAdopted("");
    if (!valid()) return;
    setBusy("propose");
    setGeneral("");
    try {
      const plan = await api.post<SearchPlan>(`${path(i.incident_id)}/plan`, { ...body(), ...(state.locate.at ? { at: state.locate.at } : {}) });
      setLocate({ proposal: plan, proposalBasis: state.locate.result ? basis(state.locate.result) : "", proposalDropped: "" });
    } catch (err) { placed(err); } finally { setBusy(""); }
  };
  const adopt = async (e: Event) => {
    e.preventDefault();
    if (!proposal || !valid()) return;
    setBusy("adopt");
    setGeneral("");
    try {
      // at the proposal's time: what is recorded is what was shown
      const plan = await api.post<SearchPlan>(`${path(i.incident_id)}/plans`,
        { ...body(), at: proposal.at, remarks, expected_version: i.version });
      setLocate({ proposal: null });
      setRemarks("");
      setAdopted(`Adopted ${plan.plan_id}: POS ${pct(plan.probability_of_success)}, cumulative ${pct(plan.cumulative_probability_of_success)}.`);
      await loadIncident(i.incident_id);
      await loadLocate(i.incident_id, state.locate.at);
    } catch (err) { placed(err); } finally { setBusy(""); }
  };
  const error = (key: string) => html`<div class="error" data-error-for=${key}>${errors[key] || ""}</div>`;
  return html`<form class="plan-form" data-plan-form onSubmit=${propose} novalidate>
    <table class="editor assets"><thead><tr><th>asset</th>${NUMBERS.map(([, text]) => html`<th>${text}</th>`)}<th>searches</th><th></th></tr></thead>
      <tbody>${rows.map((row, k) => html`<tr data-asset-row=${k}>
        <td class=${errors[`assets[${k}].name`] ? "invalid" : ""}><input name=${`assets[${k}].name`} value=${row.name} placeholder="e.g. HELO 2-2"
          onInput=${(e: Event) => edit(k, "name", (e.target as HTMLInputElement).value)} />${error(`assets[${k}].name`)}</td>
        ${NUMBERS.map(([key, , max, hint]) => html`<td class=${errors[`assets[${k}].${key}`] ? "invalid" : ""}>
          <input name=${`assets[${k}].${key}`} type="number" step="any" min="0" max=${max} value=${row[key]} placeholder=${hint}
            onInput=${(e: Event) => edit(k, key, (e.target as HTMLInputElement).value)} />${error(`assets[${k}].${key}`)}</td>`)}
        <td><select name=${`assets[${k}].searches`} value=${row.searches}
          onChange=${(e: Event) => edit(k, "searches", (e.target as HTMLSelectElement).value)}>
          ${["any", "water", "land"].map((v) => html`<option value=${v}>${v}</option>`)}</select>${error(`assets[${k}].searches`)}</td>
        <td>${rows.length > 1 ? html`<button type="button" title="remove this asset" data-remove-asset=${k} onClick=${() => remove(k)}>×</button>` : null}</td>
      </tr>`)}</tbody></table>
    <div class="inline">
      <button type="button" data-add-asset onClick=${add} disabled=${rows.length >= MAX_ASSETS}>+ asset</button>
      <label class="weight">detection law <select name="law" value=${law} onChange=${(e: Event) => { setLaw((e.target as HTMLSelectElement).value); setLocate({ proposal: null }); }}>
        <option value="random">random search</option><option value="inverse_cube">inverse cube (parallel sweep)</option></select></label>
      <span class="help">searched at ${state.locate.at ? dtg(state.locate.at) : "the time of asking (now)"}</span>
      <button type="submit" class="primary" data-propose disabled=${busy !== ""}>${busy === "propose" ? "Proposing…" : "Propose"}</button>
    </div>
    ${error("law")}${error("at")}
    ${general ? html`<div class="error general" data-error-for="plan">${general}</div>` : null}
    ${adopted ? html`<div class="ok" data-adopted-plan>${adopted}</div>` : null}
    ${!proposal && state.locate.proposalDropped ? html`<div class="warn" data-proposal-dropped>${state.locate.proposalDropped}</div>` : null}
    ${proposal ? html`<div class="proposal" data-proposal>
      <div>Proposed for ${dtg(proposal.at)}: POS <b class="big-inline" data-proposal-pos data-value=${proposal.probability_of_success}>${pct(proposal.probability_of_success)}</b>
        (the best these assets could do: ${pct(proposal.optimal_probability_of_success)}) · cumulative after it
        <b class="big-inline" data-proposal-cumulative data-value=${proposal.cumulative_probability_of_success}>${pct(proposal.cumulative_probability_of_success)}</b></div>
      <table class="grid"><thead><tr><th>asset</th><th>area</th><th>track spacing</th><th>coverage</th><th>POD</th><th>POC</th></tr></thead>
        <tbody>${proposal.areas.map((a) => html`<tr data-proposed-area=${a.asset} class=${a.probability_of_containment < 0.001 ? "warn" : ""}>
          <td>${a.asset}</td><td>${km(a.width_m)} × ${km(a.height_m)} km</td><td>${Math.round(a.track_spacing_m)} m</td><td>${a.coverage.toFixed(2)}</td>
          <td>${pct(a.probability_of_detection)}</td><td>${pct(a.probability_of_containment)}${a.probability_of_containment < 0.001
            ? " — almost nothing to find where this asset can search" : ""}</td></tr>`)}</tbody></table>
      <label>Remarks (recorded with the plan)
        <textarea name="remarks" rows="2" value=${remarks} onInput=${(e: Event) => setRemarks((e.target as HTMLTextAreaElement).value)}></textarea></label>
      ${error("remarks")}
      <div class="buttons"><button type="button" class="primary" data-adopt-plan disabled=${busy !== ""} onClick=${adopt}>${busy === "adopt" ? "Adopting…" : "Adopt this plan"}</button>
        <button type="button" onClick=${() => setLocate({ proposal: null })}>Discard</button>
        <span class="help">The JPRCC, or the owning or supported component's PRCC, adopts search plans.</span></div>
    </div>` : null}
  </form>`;
}

// --- the panel -----------------------------------------------------------------------------------------

function TimeControl(props: { result: Locate }): VNode {
  const r = props.result;
  const start = new Date(r.model.start).getTime();
  const span = Math.round(r.model.horizon_h * 60);
  const shownMin = Math.max(0, Math.min(span, Math.round((new Date(r.at).getTime() - start) / 60_000)));
  const [preview, setPreview] = useState<number | null>(null);
  // on whole minutes, as the time is read (a DTG)
  const chosen = (minutes: number) => new Date(Math.round((start + minutes * 60_000) / 60_000) * 60_000).toISOString();
  const id = r.incident_id;
  return html`<div class="locate-time">
    <span>Map for <b class="mono" data-locate-at=${r.at}>${dtg(preview === null ? r.at : chosen(preview))}</b>
      ${state.locate.at ? " (chosen)" : " (now)"}${state.locate.loading ? " · loading…" : ""}</span>
    <input type="range" data-locate-time min="0" max=${span} step="15" value=${preview ?? shownMin}
      aria-label="map time, from the last known position to the model's horizon"
      onInput=${(e: Event) => setPreview(Number((e.target as HTMLInputElement).value))}
      onChange=${(e: Event) => { setPreview(null); void loadLocate(id, chosen(Number((e.target as HTMLInputElement).value))); }} />
    <span class="help">${dtg(r.model.start)} → ${dtg(chosen(span))}</span>
    <button type="button" data-locate-now disabled=${!state.locate.at} onClick=${() => void loadLocate(id, null)}>now</button>
    ${state.locate.error ? html`<span class="error" data-error-for=${state.locate.errorField === "at" ? "at" : "locate"}>${state.locate.error}</span>` : null}
  </div>`;
}

export function LocatePanel(props: { incident: Incident }): VNode {
  useStore();
  const l = useLocate();
  const i = props.incident;
  const sc = i.search_case;
  useEffect(() => {
    // the map changes with the search case (model, information, plans), not with every update
    void loadLocate(i.incident_id, state.locate.incidentId === i.incident_id ? state.locate.at : null);
  }, [i.incident_id, sc.revision, sc.information, sc.plans]);
  useEffect(() => {
    // a drifting raft moves: the live picture is asked again every five minutes
    const timer = window.setInterval(() => {
      if (state.locate.incidentId === i.incident_id && !state.locate.at && !state.locate.missing) void loadLocate(i.incident_id, null);
    }, 300_000);
    return () => window.clearInterval(timer);
  }, [i.incident_id]);
  const r = l.incidentId === i.incident_id ? currentLocate() : null;
  if (!r) {
    const text = l.incidentId !== i.incident_id || (l.loading && !l.missing) ? "Loading the probability map…"
      : l.missing ? "No search model yet." : l.error || "Loading the probability map…";
    return html`<div class="locate" data-locate=${l.missing && l.incidentId === i.incident_id ? "none" : "loading"}><p class="help">${text}</p></div>`;
  }
  return html`<${LocateShown} incident=${i} result=${r} proposal=${l.proposal} />`;
}

function LocateShown(props: { incident: Incident; result: Locate; proposal: SearchPlan | null }): VNode {
  const { incident: i, result: r } = props;
  const warn = r.notes.length > 0;
  const hottest = useHottest(r);
  return html`<div class="locate" data-locate="shown">
    <div class=${`locate-numbers${warn ? " warn" : ""}`} data-locate-numbers data-warn=${warn ? "yes" : "no"}>
      <div class="figure"><span class="value mono" data-locate-mgrs=${r.mean.mgrs}>${spaced(r.mean.mgrs)}</span>
        <span class="what">mean position (centre of the probability)</span><span class="help">${r.mean.lat.toFixed(5)}, ${r.mean.lon.toFixed(5)}</span>
        ${hottest ? html`<span class="help" data-locate-peak>hottest cell <b class="mono">${spaced(toMgrs(hottest.lat, hottest.lon))}</b></span>` : null}</div>
      ${(["50", "90"] as const).map((share) => html`<div class="figure"><span class="value" data-containment=${share} data-value=${r.containment_m[share]}>${distance(r.containment_m[share])}</span>
        <span class="what">${share} % within</span><span class="help">${nautical(r.containment_m[share])}</span></div>`)}
      <div class="figure"><span class=${`value${r.rest_of_world > 0.5 ? " alarm" : ""}`} data-rest-of-world data-value=${r.rest_of_world}>${pct(r.rest_of_world)}</span>
        <span class="what">rest of world</span><span class="help">outside the model</span></div>
      <div class="figure"><span class="value" data-cumulative-pos data-value=${r.cumulative_probability_of_success}>${pct(r.cumulative_probability_of_success)}</span>
        <span class="what">cumulative POS</span><span class="help">${r.plans.length} plan(s) adopted</span></div>
      ${r.stranded ? html`<div class="figure"><span class=${`value${r.stranded.probability >= 0.01 ? " stranded" : ""}`} data-stranded data-value=${r.stranded.probability}>${pct(r.stranded.probability)}</span>
        <span class="what">stranded on the shore</span><span class="help" title=${`coast: ${r.stranded.coast}`}>${r.stranded.cells.length} shore cell(s)</span></div>` : null}
    </div>
    ${warn ? html`<ul class="locate-notes" data-locate-notes>${r.notes.map((n) => html`<li>${n}</li>`)}</ul>` : null}
    <${TimeControl} result=${r} />
    <div class="help">${`Model revision ${r.revision}: ${movement(r)} from ${dtg(r.model.start)}, 95 % within ${distance(r.model.radius95_m)} then; `}
      ${r.particles.toLocaleString("en-US")} particles, seed ${r.model.seed}${r.model.remarks ? ` · ${r.model.remarks}` : ""}</div>
    <${LocateMap} result=${r} proposal=${props.proposal} />
    <h4>Information</h4>
    ${r.information.length ? html`<table class="grid locate-information"><thead><tr><th>id</th><th>kind</th><th>time</th><th>what</th><th>applied</th>
        <th>probability moved</th><th>rest of world after</th><th>reliability</th><th>source</th></tr></thead>
      <tbody>${r.information.map((x) => html`<tr data-info=${x.info_id} data-kind=${x.kind}>
        <td>${x.info_id}</td><td>${x.kind}</td><td class="mono">${dtg(x.at)}</td><td>${infoWhat(x)}</td>
        <td>${x.applied ? "yes" : html`<span class="warn">no</span>`}${x.note ? html`<div class="help">${x.note}</div>` : null}</td>
        <td>${x.kind === "searched" ? pct(x.moved) : "–"}</td><td>${x.rest_of_world_after === null ? "–" : pct(x.rest_of_world_after)}</td>
        <td>${pct(x.reliability, 0)}</td><td>${x.source}<div class="help">${x.recorded_by}</div></td></tr>`)}</tbody></table>`
      : html`<p class="help">No fixes, bearings, reports or searches recorded.</p>`}
    <h4>Search plans</h4>
    ${r.plans.length ? html`<table class="grid locate-plans"><thead><tr><th>id</th><th>for</th><th>POS</th><th>cumulative</th><th>assets</th><th>adopted</th></tr></thead>
      <tbody>${r.plans.map((p) => html`<tr data-plan=${p.plan_id}>
        <td>${p.plan_id}</td><td class="mono">${dtg(p.at)}</td><td data-plan-pos>${pct(p.probability_of_success)}</td>
        <td>${pct(p.cumulative_probability_of_success)}</td>
        <td><ul class="plan-areas">${p.areas.map((a) => html`<li><b>${a.asset}</b>: ${km(a.width_m)} × ${km(a.height_m)} km,
          spacing ${Math.round(a.track_spacing_m)} m, POD ${pct(a.probability_of_detection)}</li>`)}</ul></td>
        <td>${p.adopted_by} ${dtg(p.adopted_at)}${p.model_revision !== r.revision ? html`<div class="warn">on model revision ${p.model_revision}</div>` : null}
          ${p.remarks ? html`<div class="help">${p.remarks}</div>` : null}</td></tr>`)}</tbody></table>`
      : html`<p class="help">No search plan adopted yet.</p>`}
    <h4>Plan a search</h4>
    <${PlanForm} incident=${i} proposal=${props.proposal} />
  </div>`;
}
