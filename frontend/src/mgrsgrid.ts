// The MGRS grid over the map, as a map reader uses it: the grid zone designations (6° by 8°, with
// the Norway and Svalbard exceptions), then the 100 km squares with their letters, then the 10 km
// and 1 km lines with their numbers as the view closes in. Each line is a line of constant UTM
// easting or northing in its own zone (proj4), cut where its grid zone ends.
import proj4, { type Converter } from "proj4";
import { forward } from "mgrs";

export interface GridLine { points: [number, number][]; weight: "zone" | "major" | "minor"; }
export interface GridLabel { lat: number; lon: number; text: string; kind: "zone" | "square" | "line"; }
export interface GridBounds { south: number; west: number; north: number; east: number; }

const BANDS = "CDEFGHJKLMNPQRSTUVWX";

/** The grid zone cells (zone, band and their edges in degrees) that meet the bounds. */
export function zoneCells(b: GridBounds): { zone: number; band: string; south: number; north: number; west: number; east: number }[] {
  const cells = [];
  for (let i = 0; i < BANDS.length; i++) {
    const band = BANDS[i];
    const south = -80 + 8 * i;
    const north = band === "X" ? 84 : south + 8;
    if (north <= b.south || south >= b.north) continue;
    for (const [zone, west, east] of zonesOfBand(band)) {
      if (east <= b.west || west >= b.east) continue;
      cells.push({ zone, band, south, north, west, east });
    }
  }
  return cells;
}

function zonesOfBand(band: string): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let zone = 1; zone <= 60; zone++) {
    let west = -180 + 6 * (zone - 1);
    let east = west + 6;
    if (band === "V" && zone === 31) east = 3;
    if (band === "V" && zone === 32) west = 3;
    if (band === "X") {
      if (zone === 32 || zone === 34 || zone === 36) continue;
      if (zone === 31) east = 9;
      if (zone === 33) { west = 9; east = 21; }
      if (zone === 35) { west = 21; east = 33; }
      if (zone === 37) { west = 33; east = 42; }
    }
    out.push([zone, west, east]);
  }
  return out;
}

const utms = new Map<string, Converter>();
function utm(zone: number, south: boolean): Converter {
  const key = `${zone}${south ? "S" : "N"}`;
  let found = utms.get(key);
  if (!found) {
    found = proj4("EPSG:4326", `+proj=utm +zone=${zone} ${south ? "+south " : ""}+datum=WGS84 +units=m +no_defs`);
    utms.set(key, found);
  }
  return found;
}

/** The metres between grid lines at a zoom: none at world zooms, then 100 km, 10 km and 1 km. */
export function spacingAt(zoom: number): number {
  return zoom >= 12.5 ? 1000 : zoom >= 9.5 ? 10_000 : zoom >= 6.5 ? 100_000 : 0;
}

/** Liang–Barsky: the part of the segment p-q inside the rectangle, or null. Points are [lon, lat]. */
function clip(p: [number, number], q: [number, number], r: GridBounds): [[number, number], [number, number]] | null {
  let t0 = 0;
  let t1 = 1;
  const dx = q[0] - p[0];
  const dy = q[1] - p[1];
  const edges: [number, number][] = [[-dx, p[0] - r.west], [dx, r.east - p[0]], [-dy, p[1] - r.south], [dy, r.north - p[1]]];
  for (const [pk, qk] of edges) {
    if (pk === 0) { if (qk < 0) return null; continue; }
    const t = qk / pk;
    if (pk < 0) { if (t > t1) return null; if (t > t0) t0 = t; } else { if (t < t0) return null; if (t < t1) t1 = t; }
  }
  // the ends themselves where the segment is not cut (p + 1·(q − p) need not be q in floating point)
  return [t0 === 0 ? p : [p[0] + t0 * dx, p[1] + t0 * dy], t1 === 1 ? q : [p[0] + t1 * dx, p[1] + t1 * dy]];
}

/** A polyline cut to the rectangle: the runs inside it, each a list of [lat, lon]. */
function cut(points: [number, number][], r: GridBounds): [number, number][][] {
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  for (let k = 1; k < points.length; k++) {
    const part = clip(points[k - 1], points[k], r);
    if (!part) { if (run.length > 1) runs.push(run); run = []; continue; }
    const [a, b] = part;
    if (!run.length) run.push([a[1], a[0]]);
    run.push([b[1], b[0]]);
    if (b[0] !== points[k][0] || b[1] !== points[k][1]) { if (run.length > 1) runs.push(run); run = []; }
  }
  if (run.length > 1) runs.push(run);
  return runs;
}

const MOST_LINES = 160; // per cell and direction: more would be a grey wash, not a grid

/** The grid lines and labels over the bounds at a zoom. */
export function mgrsGrid(view: GridBounds, zoom: number): { lines: GridLine[]; labels: GridLabel[] } {
  const b = { south: Math.max(-80, view.south), north: Math.min(84, view.north), west: Math.max(-180, view.west), east: Math.min(180, view.east) };
  const lines: GridLine[] = [];
  const labels: GridLabel[] = [];
  if (b.south >= b.north || b.west >= b.east) return { lines, labels };
  const spacing = spacingAt(zoom);
  for (const cell of zoneCells(b)) {
    // the zone's own edges (east and south: each edge drawn once)
    for (const edge of [[[cell.east, cell.south], [cell.east, cell.north]], [[cell.west, cell.south], [cell.east, cell.south]]] as [number, number][][]) {
      for (const run of cut(edge, b)) lines.push({ points: run, weight: "zone" });
    }
    if (spacing === 0) {
      if (zoom < 5) continue; // a world of zone names would hide the places: the lines say enough
      const lat = (Math.max(cell.south, b.south) + Math.min(cell.north, b.north)) / 2;
      const lon = (Math.max(cell.west, b.west) + Math.min(cell.east, b.east)) / 2;
      labels.push({ lat, lon, text: `${cell.zone}${cell.band}`, kind: "zone" });
      continue;
    }
    const r = { south: Math.max(cell.south, b.south), north: Math.min(cell.north, b.north), west: Math.max(cell.west, b.west), east: Math.min(cell.east, b.east) };
    const conv = utm(cell.zone, cell.south < 0);
    const corners: [number, number][] = [];
    for (let i = 0; i <= 4; i++) {
      for (let j = 0; j <= 4; j++) corners.push(conv.forward([r.west + ((r.east - r.west) * i) / 4, r.south + ((r.north - r.south) * j) / 4]) as [number, number]);
    }
    const eMin = Math.min(...corners.map((c) => c[0]));
    const eMax = Math.max(...corners.map((c) => c[0]));
    const nMin = Math.min(...corners.map((c) => c[1]));
    const nMax = Math.max(...corners.map((c) => c[1]));
    const first = (v: number) => Math.ceil(v / spacing) * spacing;
    if ((eMax - eMin) / spacing > MOST_LINES || (nMax - nMin) / spacing > MOST_LINES) continue;
    // at 100 km every line is a square's edge; below, each tenth line is the next spacing's
    const weight = (v: number): "major" | "minor" => (spacing >= 100_000 || v % (spacing * 10) === 0 ? "major" : "minor");
    const steps = 24;
    for (let e = first(eMin); e <= eMax; e += spacing) {
      const pts: [number, number][] = [];
      for (let k = 0; k <= steps; k++) pts.push(conv.inverse([e, nMin + ((nMax - nMin) * k) / steps]) as [number, number]);
      const runs = cut(pts, r);
      for (const run of runs) lines.push({ points: run, weight: weight(e) });
      // numbered where the line leaves the view at the top, as along a map sheet's edge
      const top = runs.flat().reduce<[number, number] | null>((a, p) => (!a || p[0] > a[0] ? p : a), null);
      if (spacing < 100_000 && top && top[0] >= b.north - 1e-9) labels.push({ lat: top[0], lon: top[1], text: lineNumber(e, spacing), kind: "line" });
    }
    for (let n = first(nMin); n <= nMax; n += spacing) {
      const pts: [number, number][] = [];
      for (let k = 0; k <= steps; k++) pts.push(conv.inverse([eMin + ((eMax - eMin) * k) / steps, n]) as [number, number]);
      const runs = cut(pts, r);
      for (const run of runs) lines.push({ points: run, weight: weight(n) });
      const left = runs.flat().reduce<[number, number] | null>((a, p) => (!a || p[1] < a[1] ? p : a), null);
      if (spacing < 100_000 && left && left[1] <= b.west + 1e-9) labels.push({ lat: left[0], lon: left[1], text: lineNumber(n, spacing), kind: "line" });
    }
    if (spacing >= 10_000) squareLabels(cell.zone, conv, r, eMin, eMax, nMin, nMax, labels);
  }
  return { lines, labels };
}

/** A grid line's number as read off a map: the 10 km or 1 km digits within its 100 km square. */
function lineNumber(v: number, spacing: number): string {
  const within = Math.round(((v % 100_000) + 100_000) % 100_000);
  return spacing >= 10_000 ? String(within / 10_000) : String(within / 1000).padStart(2, "0");
}

/** Each 100 km square's letters at its centre (where the centre is in view). */
function squareLabels(zone: number, conv: Converter, r: GridBounds, eMin: number, eMax: number,
  nMin: number, nMax: number, labels: GridLabel[]): void {
  const s = 100_000;
  for (let e = Math.floor(eMin / s) * s; e < eMax; e += s) {
    for (let n = Math.floor(nMin / s) * s; n < nMax; n += s) {
      const [lon, lat] = conv.inverse([e + s / 2, n + s / 2]) as [number, number];
      if (lat < r.south || lat > r.north || lon < r.west || lon > r.east) continue;
      let text: string;
      try { text = forward([lon, lat], 0); } catch { continue; }
      if (!text.startsWith(String(zone))) continue; // the centre lies in the next zone
      labels.push({ lat, lon, text, kind: "square" });
    }
  }
}
