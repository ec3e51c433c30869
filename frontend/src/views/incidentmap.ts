// The incident's own map, beside its current stage: the person and the uncertainty, threats and
// areas in force, the search (when its Locate panel has read it), and the shown option's route.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Incident } from "../api";
import { CopMap } from "../map";
import { state, useStore } from "../store";
import { currentLocate, locateAreas, locateItems, locateLayers, locatePicture } from "./locate";
import { focusMap, mapAreas, mapItems, shownOption } from "./mapview";

/** The zoom that shows the uncertainty circle whole, with the ground around it. */
function zoomFor(uncertaintyM: number): number {
  const metres = Math.max(2000, uncertaintyM * 4);
  return Math.max(5, Math.min(13, Math.round(Math.log2(40_075_000 / metres))));
}

export function IncidentMap(props: { incident: Incident }): VNode {
  const s = useStore();
  const host = useRef<HTMLDivElement>(null);
  const map = useRef<CopMap | null>(null);
  const i = props.incident;
  useEffect(() => {
    const m = new CopMap(host.current!, state.config);
    map.current = m;
    m.centerOn(i.position.lat, i.position.lon, zoomFor(i.uncertainty_m));
    return () => { m.destroy(); map.current = null; };
  }, [i.incident_id]);
  const search = currentLocate();
  const mine = search && search.incident_id === i.incident_id ? search : null;
  const option = shownOption();
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    m.setItems(mine ? [...mapItems(), ...locateItems(mine)] : mapItems());
    m.setAreas(mine ? [...mapAreas(), ...locateAreas(mine, state.locate.proposal)] : mapAreas());
    m.setPicture(mine && locateLayers.probability ? locatePicture(mine) : null);
    m.setRoute(option && s.options?.incident_id === i.incident_id ? [...option.walk, ...[...option.route].reverse()] : null);
    m.select(`incident:${i.incident_id}`);
  }, [s.picture, s.layers, mine, option, i.version]);
  const toMain = () => { focusMap(i.position.lat, i.position.lon, zoomFor(i.uncertainty_m)); location.hash = "#/map"; };
  return html`<div class="incident-map-box">
    <div class="incident-map" ref=${host} data-incident-map role="img"
      aria-label=${`map of ${i.incident_id}: the person, the uncertainty, threats, search areas and the shown route`}></div>
    <div class="help">${mine ? "Search picture shown." : "Open Locate to draw the search picture."}
      ${option ? ` Route of option ${option.option_id}.` : ""} <button onClick=${toMain}>Open on the main map</button></div>
  </div>`;
}
