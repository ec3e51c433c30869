// The map screen: the canvas, the cursor in MGRS and lat/lon, the intelligence layers and the
// threat heatmap (each can be switched off), the search (probability map, searched areas, plans) of
// the incident whose Locate panel was open last, the assessed route, and the card of what you clicked.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Asset, IntelLayer, MapIncident, RecoveryOption } from "../api";
import { dtg, label, toMgrs } from "../format";
import { bearingText, rangeBearing, rangeText, readRanges, ring } from "../geodesy";
import { type Bounds, CopMap, type MapArea, type MapItem } from "../map";
import { assetSidc, incidentSidc, pointSidc, sprite, threatSidc } from "../symbols";
import { state, update, useStore } from "../store";
import { currentLocate, describeArea, locateAreas, locateItems, locatePicture, locateLayers, pct, setLocate, useLocate } from "./locate";
import { nodeDate } from "../time";

declare global {
  interface Window {
    /** Set by a test harness before the page loads (never by the page): ask for the map handles. */
    __jprccInstrument?: boolean;
    /** The map handles, published for a test harness only when it asked (``__jprccInstrument``). */
    __cop?: { map: CopMap | null; locateMap?: CopMap | null };
  }
}

let map: CopMap | null = null;

export interface Shown { threats: boolean; civil: boolean; psyop: boolean; weather: boolean; heatmap: boolean; }
const SHOWN_KEY = "jprcc-map-layers";
const shown: Shown = { threats: true, civil: true, psyop: false, weather: false, heatmap: false,
  ...(JSON.parse(localStorage.getItem(SHOWN_KEY) || "{}") as Partial<Shown>) };
export const MODES = ["rotary_wing_low", "fixed_wing_medium", "ground_vehicle", "dismounted"];
let heatMode = "rotary_wing_low";

/** Area styles: red for threats, blue / green / red for friendly / neutral / hostile civil areas,
 * violet for PSYOP themes, grey for weather. */
const AREA_STYLE: Record<string, { fill: string; stroke: string; dash: number[] }> = {
  area_threat: { fill: "rgba(255, 60, 60, 0.14)", stroke: "#ff5a5a", dash: [] },
  friendly: { fill: "rgba(80, 160, 255, 0.10)", stroke: "#6fb0ff", dash: [8, 4] },
  neutral: { fill: "rgba(90, 200, 120, 0.08)", stroke: "#6fd08a", dash: [8, 4] },
  hostile: { fill: "rgba(255, 120, 60, 0.10)", stroke: "#ff8a4a", dash: [8, 4] },
  psyop: { fill: "rgba(190, 110, 255, 0.06)", stroke: "#c58cff", dash: [2, 4] },
  weather: { fill: "rgba(170, 180, 190, 0.08)", stroke: "#aab4be", dash: [12, 6] },
};

function layerGroup(layer: IntelLayer): keyof Shown {
  const kind = layer.body.kind;
  return kind === "point_threat" || kind === "area_threat" ? "threats" : kind;
}

// --- measuring: range and bearing between two points, or from a symbol; range rings ------------

interface Measuring { from: [number, number] | null; to: [number, number] | null; fixed: boolean; }
let measuring: Measuring | null = null;
/** Range rings drawn around a symbol: its position, the ranges (m) and whose they are. */
let rings: { lat: number; lon: number; ranges: number[]; of: string } | null = null;
let onMeasureChange: () => void = () => undefined;

function showMeasure(): void {
  const m = measuring;
  if (!map) return;
  if (!m?.from || !m.to) { map.setMeasure(null); return; }
  const rb = rangeBearing(m.from[0], m.from[1], m.to[0], m.to[1]);
  map.setMeasure({ from: m.from, to: m.to, label: `${rangeText(rb.metres)} · ${bearingText(rb.bearing)}` });
  onMeasureChange();
}

/** Start measuring: from a point clicked next, or from a symbol's position now. */
export function startMeasuring(from: [number, number] | null = null): void {
  measuring = { from, to: null, fixed: false };
  showMeasure();
  onMeasureChange();
}

export function stopMeasuring(): void {
  measuring = null;
  showMeasure();
  onMeasureChange();
}

/** A click while measuring: the first sets the start, the second fixes the end, a third starts over. */
function measureClick(lat: number, lon: number): boolean {
  if (!measuring) return false;
  if (!measuring.from || measuring.fixed) measuring = { from: [lat, lon], to: null, fixed: false };
  else measuring = { ...measuring, to: [lat, lon], fixed: true };
  showMeasure();
  return true;
}

function measureMove(lat: number, lon: number): void {
  if (!measuring?.from || measuring.fixed) return;
  measuring = { ...measuring, to: [lat, lon] };
  showMeasure();
}

/** What the measure reads now, for the side panel (and the tests). */
function measureReading(): string {
  const m = measuring;
  if (!m) return "";
  if (!m.from) return "Click the first point.";
  if (!m.to) return "Move to the second point, and click to fix it.";
  const rb = rangeBearing(m.from[0], m.from[1], m.to[0], m.to[1]);
  return `${rangeText(rb.metres)} · ${bearingText(rb.bearing)} (from ${toMgrs(m.from[0], m.from[1])} to ${toMgrs(m.to[0], m.to[1])})`;
}

function ringAreas(): MapArea[] {
  if (!rings) return [];
  const r = rings;
  return r.ranges.map((m) => ({
    id: `ring:${m}`, ring: ring(r.lat, r.lon, m), fill: "rgba(0, 0, 0, 0)", stroke: "#ffd24a", dash: [10, 6], width: 1.5,
    label: `${rangeText(m).split(" · ")[0]} from ${r.of}`,
  }));
}

export function mapAreas(): MapArea[] {
  const areas: MapArea[] = [...ringAreas()];
  for (const layer of state.layers) {
    const b = layer.body;
    if (b.kind === "point_threat" || !shown[layerGroup(layer)]) continue;
    const style = AREA_STYLE[b.kind === "civil" ? b.attitude : b.kind];
    areas.push({ id: `layer:${layer.layer_id}`, ring: b.polygon.map((p) => [p.lat, p.lon]), label: layer.name, ...style });
  }
  return areas;
}

function threatItems(): MapItem[] {
  if (!shown.threats) return [];
  return state.layers.flatMap((layer) => {
    const b = layer.body;
    if (b.kind !== "point_threat") return [];
    return [{ kind: "threat" as const, id: `layer:${layer.layer_id}`, lat: b.position.lat, lon: b.position.lon,
      sprite: sprite(threatSidc(b.category), { designation: b.system.split(" ")[0] }), label: b.system,
      rangesM: [b.min_range_m, b.max_range_m] as [number, number] }];
  });
}

/** Where the threat heatmap of a region comes from: the server rasterises the layers in force. */
export function threatMapUrl(bounds: Bounds, mode: string, format: "png" | "tiff", cells = 600): string {
  const q = new URLSearchParams({
    south: bounds.south.toFixed(5), west: bounds.west.toFixed(5), north: bounds.north.toFixed(5),
    east: bounds.east.toFixed(5), mode, format, cells: String(cells),
    layers: layersKey(), // a new picture when a layer is published or withdrawn
  });
  return `/api/intel/threat-map?${q}`;
}

/** A short fingerprint of the layers in force (ids and versions), for the heatmap's address. */
function layersKey(): string {
  let hash = 5381;
  for (const l of state.layers) {
    for (const ch of `${l.layer_id}.${l.version};`) hash = ((hash * 33) ^ ch.charCodeAt(0)) >>> 0;
  }
  return `${state.layers.length}-${hash.toString(36)}`;
}

let overlayKey = "";

/** The search of the incident whose Locate panel was open last, while its switch is on. */
function searchShown() {
  const r = currentLocate();
  return r && state.locate.onMainMap ? r : null;
}

function applyLayers(): void {
  if (!map) return;
  const search = searchShown();
  map.setItems(search ? [...mapItems(), ...locateItems(search)] : mapItems());
  map.setAreas(search ? [...mapAreas(), ...locateAreas(search, state.locate.proposal)] : mapAreas());
  map.setPicture(search && locateLayers.probability ? locatePicture(search) : null);
  if (search && state.locate.fitMainMap) {
    setLocate({ fitMainMap: false });
    fitted = true; // the search asked for wins over the opening view of the theater
    map.fitBounds(search.map);
  }
  const key = shown.heatmap ? `${heatMode}|${layersKey()}` : "";
  if (key !== overlayKey) {
    overlayKey = key;
    map.setOverlay(shown.heatmap ? (bounds) => threatMapUrl(bounds, heatMode, "png") : null);
  }
}

let pendingFocus: { lat: number; lon: number; z: number } | null = null;
/** The map opens on the theater (once per page): the open incidents, the assets and the recovery
 * points, not on a whole sea of blank land. */
let fitted = false;

function fitIncidents(): void {
  const p = state.picture;
  if (!map || !p || !p.incidents.length) return;
  fitted = true;
  const places = [...p.incidents.map((i) => [i.lat, i.lon]), ...p.assets.map((a) => [a.base.lat, a.base.lon]),
    ...p.recovery_points.map((r) => [r.position.lat, r.position.lon])];
  const lats = places.map((x) => x[0]);
  const lons = places.map((x) => x[1]);
  const pad = 0.1;
  map.fitBounds({ south: Math.min(...lats) - pad, west: Math.min(...lons) - pad, north: Math.max(...lats) + pad, east: Math.max(...lons) + pad }, 40);
}

/** Centre the map on a place: now if it is open, else when it opens next. */
export function focusMap(lat: number, lon: number, z = 10): void {
  fitted = true; // a place asked for wins over the opening view
  if (map) map.centerOn(lat, lon, z);
  else pendingFocus = { lat, lon, z };
}

/** The option shown: the persons' walk to the pickup site, then the vehicle's way in reversed (site to
 * base), as one line through the site; else the assessment's best route. */
export function shownOption(): RecoveryOption | null {
  const id = state.shownOption;
  return [...(state.options?.options ?? []), ...(state.options?.also_considered ?? [])].find((o) => o.option_id === id) ?? null;
}

function bestRoute(): [number, number][] | null {
  const option = shownOption();
  if (option) return [...option.walk, ...[...option.route].reverse()];
  return state.assessment?.routes[0]?.path ?? null;
}

export function mapItems(): MapItem[] {
  const picture = state.picture;
  if (!picture) return [];
  const items: MapItem[] = picture.assets.map((a) => ({
    kind: "asset", id: `asset:${a.asset_id}`, lat: a.base.lat, lon: a.base.lon, sprite: sprite(assetSidc(a)), label: a.callsign,
  }));
  for (const p of picture.recovery_points) {
    items.push({ kind: "point", id: `point:${p.point_id}`, lat: p.position.lat, lon: p.position.lon,
      sprite: sprite(pointSidc(p.kind), { size: 18, designation: p.name }), label: p.name });
  }
  for (const i of picture.incidents) {
    items.push({ kind: "incident", id: `incident:${i.incident_id}`, lat: i.lat, lon: i.lon, sprite: sprite(incidentSidc(i)),
      label: i.incident_id, radiusM: i.uncertainty_m, alarm: i.overdue });
  }
  return [...threatItems(), ...items];
}

/** Range and bearing from the selected symbol, and rings around it. */
function SymbolTools(props: { lat: number; lon: number; of: string }): VNode {
  const [text, setText] = useState("10, 25, 50");
  const [error, setError] = useState("");
  const draw = (e: Event) => {
    e.preventDefault();
    const ranges = readRanges(text);
    if (typeof ranges === "string") { setError(ranges); return; }
    setError("");
    rings = { lat: props.lat, lon: props.lon, ranges, of: props.of };
    applyLayers();
  };
  return html`<div class="symbol-tools">
    <button data-measure-from onClick=${() => startMeasuring([props.lat, props.lon])}>Range & bearing from here</button>
    <form class="inline" onSubmit=${draw}><label>Rings (km, or nm) <input data-rings value=${text}
      onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} /></label>
      <button type="submit" data-draw-rings>Draw rings</button>
      ${rings ? html`<button type="button" data-clear-rings onClick=${() => { rings = null; applyLayers(); setError(" "); setError(""); }}>Clear rings</button>` : null}</form>
    <div class="error">${error}</div></div>`;
}

/** Where a selected symbol is, for its tools. */
function positionOf(selected: string): { lat: number; lon: number; of: string } | null {
  const p = state.picture;
  if (!p) return null;
  const [kind, id] = selected.split(/:(.*)/s);
  if (kind === "asset") { const a = p.assets.find((x) => x.asset_id === id); return a ? { lat: a.base.lat, lon: a.base.lon, of: a.callsign } : null; }
  if (kind === "point") { const r = p.recovery_points.find((x) => x.point_id === id); return r ? { ...r.position, of: r.name } : null; }
  if (kind === "incident") { const i = p.incidents.find((x) => x.incident_id === id); return i ? { lat: i.lat, lon: i.lon, of: i.incident_id } : null; }
  if (kind === "layer") {
    const l = state.layers.find((x) => x.layer_id === id);
    return l && l.body.kind === "point_threat" ? { ...l.body.position, of: l.name } : null;
  }
  return null;
}

function Card(props: { selected: string | null }): VNode | null {
  const card = CardOf(props);
  const at = props.selected ? positionOf(props.selected) : null;
  return at ? html`<div>${card}<${SymbolTools} key=${props.selected} ...${at} /></div>` : card;
}

function CardOf(props: { selected: string | null }): VNode | null {
  const s = useStore();
  if (!props.selected || !s.picture) return html`<p class="help">Click a symbol for its card. Drag to pan, wheel or +/- to zoom, arrows to move.</p>`;
  const [kind, id] = props.selected.split(/:(.*)/s);
  if (kind === "locate") {
    const search = currentLocate();
    const text = search ? describeArea(props.selected, search, state.locate.proposal) : "";
    return text ? html`<div class="symbol-card" data-card=${props.selected}><h3>Search · ${search!.incident_id}</h3><div>${text}</div>
      <a href=${`#/incident/${encodeURIComponent(search!.incident_id)}`}>Open the incident page →</a></div>` : null;
  }
  if (kind === "layer") {
    const layer = s.layers.find((l) => l.layer_id === id);
    return layer ? html`<${LayerCard} layer=${layer} />` : null;
  }
  if (kind === "asset") {
    const a = s.picture.assets.find((x: Asset) => x.asset_id === id);
    if (!a) return null;
    return html`<div class="symbol-card" data-card=${a.asset_id}><h3>${a.callsign}</h3>
      <div>${a.asset_type} · ${a.component_id}</div><div>${a.capabilities.map(label).join(", ")}</div>
      <div>readiness <b>${label(a.readiness)}</b> · ${a.speed_kmh} km/h · ${a.range_km} km</div>
      <div class="mono">${a.base.mgrs}</div><div>${a.base_name}</div>
      ${a.commitment ? html`<div>committed to ${a.commitment.operation_id} (P${a.commitment.priority})</div>` : null}
      ${a.tasked_incident_id ? html`<div>tasked: ${a.tasked_incident_id}</div>` : null}</div>`;
  }
  if (kind === "point") {
    const p = s.picture.recovery_points.find((x) => x.point_id === id);
    if (!p) return null;
    return html`<div class="symbol-card" data-card=${p.point_id}><h3>${p.name}</h3><div>${label(p.kind)}${
      p.component_id ? ` · ${p.component_id}` : ""}</div><div class="mono">${p.position.mgrs}</div><div>${p.remarks}</div></div>`;
  }
  const i = s.picture.incidents.find((x: MapIncident) => x.incident_id === id);
  if (!i) return null;
  return html`<div class="symbol-card" data-card=${i.incident_id}><h3>${i.incident_id}</h3><div>${i.title}</div>
    <div>${label(i.stage)} · owner ${i.owning_component} · P${i.priority}</div>
    <div>${i.persons_count} person(s): ${i.duty_statuses.map(label).join(", ")}</div>
    <div class="mono">${toMgrs(i.lat, i.lon)} ± ${Math.round(i.uncertainty_m)} m</div>
    ${i.overdue ? html`<div class="alarm">OVERDUE</div>` : null}
    <a href=${`#/incident/${encodeURIComponent(i.incident_id)}`} data-open=${i.incident_id}>Open the incident page →</a></div>`;
}

function LayerCard(props: { layer: IntelLayer }): VNode {
  const l = props.layer;
  const b = l.body;
  const km = (m: number) => `${(m / 1000).toFixed(1)} km`;
  const detail = b.kind === "point_threat"
    ? html`<div>${label(b.category)} · Pk ${b.pk}</div><div>range ${km(b.min_range_m)} – ${km(b.max_range_m)} ·
        altitude ${b.min_altitude_m}–${b.max_altitude_m} m</div><div class="mono">${toMgrs(b.position.lat, b.position.lon)}</div>`
    : b.kind === "area_threat" ? html`<div>${label(b.category)} · severity ${b.severity}</div>`
    : b.kind === "civil" ? html`<div>${label(b.attitude)} area</div>${b.contacts ? html`<div>contacts: ${b.contacts}</div>` : null}
        ${b.safe_location ? html`<div>safe location <span class="mono">${toMgrs(b.safe_location.lat, b.safe_location.lon)}</span></div>` : null}`
    : b.kind === "psyop" ? html`<div>PSYOP theme: ${b.theme}</div>`
    : html`<div>ceiling ${b.ceiling_ft ?? "–"} ft · visibility ${b.visibility_m ?? "–"} m · wind ${b.wind_kt ?? "–"} kt</div>`;
  return html`<div class="symbol-card" data-card=${l.layer_id}><h3>${l.name}</h3>
    <div class="help">${label(b.kind)} · v${l.version}</div>${detail}
    <div>source ${l.source} · ${label(l.confidence)}</div>
    <div class="help">valid ${dtg(l.valid_from)} – ${l.valid_to ? dtg(l.valid_to) : "open"}</div></div>`;
}

function LayerControls(): VNode {
  const [, setTick] = useState(0);
  const toggle = (key: keyof Shown) => {
    shown[key] = !shown[key];
    localStorage.setItem(SHOWN_KEY, JSON.stringify(shown));
    applyLayers();
    setTick((t) => t + 1);
  };
  const names: [keyof Shown, string][] = [["threats", "threats"], ["civil", "civil"], ["psyop", "PSYOP"],
    ["weather", "weather"], ["heatmap", "threat heatmap"]];
  const search = currentLocate();
  const exportUrl = (format: "png" | "tiff") => (map ? threatMapUrl(map.viewBounds(), heatMode, format, 1000) : "#");
  return html`<div class="layer-controls" data-layer-controls>
    ${names.map(([key, text]) => html`<label><input type="checkbox" data-layer-toggle=${key} checked=${shown[key]}
      onChange=${() => toggle(key)} /> ${text}</label>`)}
    ${search ? html`<label><input type="checkbox" data-layer-toggle="probability" checked=${state.locate.onMainMap}
      onChange=${() => { setLocate({ onMainMap: !state.locate.onMainMap }); applyLayers(); setTick((t) => t + 1); }} />
      ${` search probability · ${search.incident_id}`}${search.stranded && search.stranded.probability > 0
        ? html` · <span class="stranded-note" data-main-stranded>${pct(search.stranded.probability)} stranded on the shore</span>` : null}</label>` : null}
    <label>for <select data-heat-mode value=${heatMode} onChange=${(e: Event) => {
      heatMode = (e.target as HTMLSelectElement).value; applyLayers(); setTick((t) => t + 1);
    }}>${MODES.map((m) => html`<option value=${m}>${label(m)}</option>`)}</select></label>
    <div class="help">${"Threat map of this view: "}<a data-export="png" href=${exportUrl("png")} download="threat.png"
        onClick=${(e: Event) => { (e.currentTarget as HTMLAnchorElement).href = exportUrl("png"); }}>PNG</a>${" · "}<a data-export="tiff" href=${exportUrl("tiff")} download="threat.tif"
        onClick=${(e: Event) => { (e.currentTarget as HTMLAnchorElement).href = exportUrl("tiff"); }}>GeoTIFF</a></div>
  </div>`;
}

function RouteNote(): VNode | null {
  const s = useStore();
  const option = shownOption();
  if (option) {
    const lead = option.assets.find((x) => x.role === "recovery_vehicle");
    return html`<div class="route-note" data-route-note data-option-note=${option.option_id}>
      ${`${option.option_id}: ${option.method_label}`}${lead ? html` · <b>${lead.callsign}</b> (${lead.component_id}) from base to ` : " at "}<b>${option.site.name}</b>
      ${option.walk.length ? " · the persons' way there in the same line" : ""}
      <button onClick=${() => update({ shownOption: null })}>clear</button></div>`;
  }
  const a = s.assessment;
  if (!a || !a.routes.length) return null;
  const r = a.routes[0];
  const time = r.seconds === null ? "–" : `${Math.round(r.seconds / 60)} min`;
  return html`<div class="route-note" data-route-note>
    ${`Best route for ${a.incident_id} (${label(a.mode)}) to `}<b>${r.destination}</b>${`: ${time}, worst threat ${r.worst_threat.toFixed(2)} `}
    <button onClick=${() => update({ assessment: null })}>clear</button></div>`;
}

export function MapView(): VNode {
  const host = useRef<HTMLDivElement>(null);
  const cursor = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [reading, setReading] = useState(measureReading());
  const s = useStore();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest("input, textarea, select")) return;
      if (e.key === "d") { if (measuring) stopMeasuring(); else startMeasuring(); }
      if (e.key === "Escape" && measuring) stopMeasuring();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  useEffect(() => { if (!fitted) fitIncidents(); }, [s.picture]);
  useEffect(() => {
    map = new CopMap(host.current!, s.config);
    if (window.__jprccInstrument) window.__cop = { ...window.__cop, map };
    map.onSelect = (item) => setSelected(item?.id ?? null);
    map.onCursor = (lat, lon) => {
      if (cursor.current) cursor.current.textContent = `${toMgrs(lat, lon)}   ${lat.toFixed(5)}, ${lon.toFixed(5)}`;
      measureMove(lat, lon);
    };
    map.onClickMap = measureClick;
    onMeasureChange = () => setReading(measureReading());
    showMeasure();
    applyLayers();
    if (!pendingFocus && !fitted) fitIncidents();
    map.setRoute(bestRoute());
    if (pendingFocus) {
      map.centerOn(pendingFocus.lat, pendingFocus.lon, pendingFocus.z);
      pendingFocus = null;
    }
    return () => { map?.destroy(); map = null; overlayKey = ""; if (window.__jprccInstrument) window.__cop = { ...window.__cop, map: null }; };
  }, []);
  const search = useLocate();
  useEffect(() => { applyLayers(); }, [search.result, search.proposal, search.onMainMap, search.fitMainMap]);
  useEffect(() => { applyLayers(); }, [s.picture, s.layers]);
  useEffect(() => { map?.setRoute(bestRoute()); }, [s.assessment, s.options, s.shownOption]);
  return html`<section class="mapview">
    <div class="map-host" ref=${host}></div>
    <aside class="map-side">
      <div class="cursor mono" ref=${cursor} data-cursor>move the cursor over the map</div>
      <div class="legend help">${s.picture?.incidents.length ?? 0} incidents · ${s.picture?.assets.length ?? 0} assets ·
        ${s.picture?.recovery_points.length ?? 0} recovery points · ${s.layers.length} intelligence layers ·
        as of ${dtg(nodeDate().toISOString())}</div>
      <${LayerControls} />
      <div class="measure" data-measure=${measuring ? "on" : "off"}>
        <button data-measure-toggle onClick=${() => (measuring ? stopMeasuring() : startMeasuring())}>${measuring ? "Stop measuring (Esc)" : "Measure range & bearing (d)"}</button>
        ${reading ? html`<div class="mono" data-measure-reading>${reading}</div>` : null}
      </div>
      <${RouteNote} />
      <${Card} selected=${selected} />
    </aside>
  </section>`;
}
