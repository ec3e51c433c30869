// The map screen: the canvas, the cursor in MGRS and lat/lon, and the card of what you clicked.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Asset, MapIncident } from "../api";
import { dtg, label, toMgrs } from "../format";
import { CopMap, type MapItem } from "../map";
import { assetSidc, incidentSidc, pointSidc, sprite } from "../symbols";
import { state, useStore } from "../store";

declare global {
  interface Window { __cop?: { map: CopMap | null } }
}

let map: CopMap | null = null;

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
  return items;
}

function Card(props: { selected: string | null }): VNode | null {
  const s = useStore();
  if (!props.selected || !s.picture) return html`<p class="help">Click a symbol for its card. Drag to pan, wheel or +/- to zoom, arrows to move.</p>`;
  const [kind, id] = props.selected.split(/:(.*)/s);
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

export function MapView(): VNode {
  const host = useRef<HTMLDivElement>(null);
  const cursor = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const s = useStore();
  useEffect(() => {
    map = new CopMap(host.current!, s.config?.basemap_tiles ? "/api/tiles" : null);
    window.__cop = { map };
    map.onSelect = (item) => setSelected(item?.id ?? null);
    map.onCursor = (lat, lon) => {
      if (cursor.current) cursor.current.textContent = `${toMgrs(lat, lon)}   ${lat.toFixed(5)}, ${lon.toFixed(5)}`;
    };
    map.setItems(mapItems());
    return () => { map?.destroy(); map = null; window.__cop = { map: null }; };
  }, []);
  useEffect(() => { map?.setItems(mapItems()); }, [s.picture]);
  return html`<section class="mapview">
    <div class="map-host" ref=${host}></div>
    <aside class="map-side">
      <div class="cursor mono" ref=${cursor} data-cursor>move the cursor over the map</div>
      <div class="legend help">${s.picture?.incidents.length ?? 0} incidents · ${s.picture?.assets.length ?? 0} assets ·
        ${s.picture?.recovery_points.length ?? 0} recovery points · as of ${dtg(new Date().toISOString())}</div>
      <${Card} selected=${selected} />
    </aside>
  </section>`;
}
