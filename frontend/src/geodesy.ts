// Range and bearing on the Earth, as a rescue coordinator reads them off a chart: great-circle
// distance and initial true bearing on the mean sphere (IUGG R = 6,371,008.8 m; the error against
// the WGS-84 ellipsoid is under 0.5 % of the range), and rings of a given range around a point.

const R = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;

export interface RangeBearing { metres: number; bearing: number; }

/** Great-circle distance (haversine) and the initial true bearing (0-360°) from 1 to 2. */
export function rangeBearing(lat1: number, lon1: number, lat2: number, lon2: number): RangeBearing {
  const p1 = rad(lat1);
  const p2 = rad(lat2);
  const dp = p2 - p1;
  const dl = rad(lon2 - lon1);
  const h = Math.sin(dp / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
  const metres = 2 * R * Math.asin(Math.sqrt(Math.min(1, h)));
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  return { metres, bearing: (deg(Math.atan2(y, x)) + 360) % 360 };
}

/** The point ``metres`` away from (lat, lon) on the initial true ``bearing`` (degrees). */
export function destination(lat: number, lon: number, bearing: number, metres: number): [number, number] {
  const d = metres / R;
  const t = rad(bearing);
  const p1 = rad(lat);
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(t));
  const l2 = rad(lon) + Math.atan2(Math.sin(t) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return [deg(p2), ((deg(l2) + 540) % 360) - 180];
}

/** A ring of points ``metres`` from (lat, lon): [lat, lon] vertices, ``n`` of them. */
export function ring(lat: number, lon: number, metres: number, n = 96): [number, number][] {
  return Array.from({ length: n }, (_, i) => destination(lat, lon, (360 * i) / n, metres));
}

/** "12.3 km · 6.6 NM" */
export function rangeText(metres: number): string {
  const km = metres / 1000;
  const nm = metres / 1852;
  return `${km < 10 ? km.toFixed(2) : km.toFixed(1)} km · ${nm < 10 ? nm.toFixed(2) : nm.toFixed(1)} NM`;
}

/** "047° T" */
export function bearingText(bearing: number): string {
  return `${String(Math.round(bearing) % 360).padStart(3, "0")}° T`;
}

/** Ranges typed as "10, 25, 50" (kilometres; "nm" after a number reads nautical miles), in metres. */
export function readRanges(text: string): number[] | string {
  const parts = text.split(/[,;\s]+(?![nN][mM])/).map((p) => p.trim()).filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    const m = p.match(/^(\d+(?:\.\d+)?)\s*(km|nm)?$/i);
    if (!m) return `"${p}" is not a range: give kilometres, or nautical miles with nm (10, 25 nm)`;
    const value = Number(m[1]) * (m[2]?.toLowerCase() === "nm" ? 1852 : 1000);
    if (value <= 0 || value > 5_000_000) return "a range is more than 0 and at most 5,000 km";
    out.push(value);
  }
  return out.length ? out.slice(0, 8) : "give at least one range";
}
