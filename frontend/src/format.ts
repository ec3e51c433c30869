// Words and numbers at the human edge: UTC date-time groups, MGRS, labels.
import { forward, toPoint } from "mgrs";
import {
  Capability_VALUES, Condition_VALUES, Disposition_VALUES, DutyStatus_VALUES, Environment_VALUES, PRTask_VALUES,
  ReportChannel_VALUES, SourceConfidence_VALUES, Stage_VALUES, TaskStatus_VALUES,
} from "./schema";
import { nodeDate } from "./time";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

/** A date-time group: 250310Z NOV 26. */
export function dtg(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}Z ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCFullYear()).slice(2)}`;
}

/** A UTC time as people write it here: a date-time group ("250310Z NOV 26"), or
 * "2026-11-25 03:10Z" (the "T" and the "Z" may be left out: it is UTC); a reason when it is neither. */
export function readUtc(text: string): Date | string {
  const t = text.trim().toUpperCase();
  const g = t.match(/^(\d{2})(\d{2})(\d{2})Z\s*([A-Z]{3})\s*(\d{2})$/);
  if (g) {
    const month = MONTHS.indexOf(g[4]);
    if (month < 0) return `unknown month ${g[4]}`;
    const d = new Date(Date.UTC(2000 + Number(g[5]), month, Number(g[1]), Number(g[2]), Number(g[3])));
    return d.getUTCDate() === Number(g[1]) && Number(g[2]) < 24 && Number(g[3]) < 60 ? d : "not a date-time group";
  }
  const m = t.match(/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?Z?$/);
  if (m) {
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0)));
    return Number.isNaN(d.getTime()) || d.getUTCDate() !== Number(m[3]) || Number(m[4]) > 23 || Number(m[5]) > 59
      ? "not a date and time" : d;
  }
  return "UTC, as a date-time group (250310Z NOV 26) or 2026-11-25 03:10";
}

export function clock(now: Date = nodeDate()): string {
  return `${now.toISOString().slice(11, 19)}Z`;
}

/** "3 h 12 min", for clocks that run down (DUSTWUN) or up (since last update). */
export function span(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) return `${days} d ${hours} h`;
  if (hours) return `${hours} h ${rest} min`;
  return `${rest} min`;
}

export function label(value: string | null | undefined): string {
  return (value || "").replace(/_/g, " ");
}

export function toMgrs(lat: number, lon: number): string {
  try {
    return forward([lon, lat], 5);
  } catch {
    return "—";
  }
}

/** One coordinate written with a hemisphere letter: 34.5N, 34 30.2N, 34°30'12"N, N34 30 12. */
function hemisphereValue(part: string): { value: number; axis: "lat" | "lon" } | null {
  const m = part.trim().toUpperCase().match(/^([NSEW])?\s*(\d+(?:\.\d+)?)(?:[°\s:]+(\d+(?:\.\d+)?))?(?:['′\s:]+(\d+(?:\.\d+)?))?["″]?\s*([NSEW])?$/);
  if (!m) return null;
  const letter = m[1] || m[5];
  if (!letter || (m[1] && m[5])) return null;
  const minutes = m[3] ? Number(m[3]) : 0;
  const seconds = m[4] ? Number(m[4]) : 0;
  if (minutes >= 60 || seconds >= 60) return null;
  const value = (Number(m[2]) + minutes / 60 + seconds / 3600) * (letter === "S" || letter === "W" ? -1 : 1);
  return { value, axis: letter === "N" || letter === "S" ? "lat" : "lon" };
}

/** "34°30'12"N 36°06'E", "34 30.2N, 036 06.0E", "34.5N 36.1E": both halves with their letter. */
function readHemispheres(t: string): { lat: number; lon: number } | null {
  const split = t.toUpperCase().match(/^(.*?[NS])\s*[,;/]?\s*([EW].*|\d.*[EW])$/) ?? t.toUpperCase().match(/^([NS].*?)\s*[,;/]?\s*([EW].*)$/);
  if (!split) return null;
  const a = hemisphereValue(split[1]);
  const b = hemisphereValue(split[2]);
  if (!a || !b || a.axis !== "lat" || b.axis !== "lon") return null;
  return { lat: a.value, lon: b.value };
}

/** Read a position as people paste it: "lat, lon" in degrees, degrees-minutes(-seconds) with
 * hemisphere letters, or an MGRS reference; a reason when it is none of them. */
export function readPosition(text: string): { lat: number; lon: number } | string {
  const t = text.trim();
  const lettered = /[NSEW]/i.test(t) && /[°'′"″]|\d\s*[NS]\b|^[NS]/i.test(t) ? readHemispheres(t) : null;
  if (lettered) {
    if (lettered.lat < -90 || lettered.lat > 90) return "latitude must be -90 to 90";
    if (lettered.lon < -180 || lettered.lon > 180) return "longitude must be -180 to 180";
    return lettered;
  }
  const m = t.match(/^([-+]?\d+(?:\.\d+)?)\s*[, ]\s*([-+]?\d+(?:\.\d+)?)$/);
  if (m) {
    const lat = Number(m[1]);
    const lon = Number(m[2]);
    if (lat < -90 || lat > 90) return "latitude must be -90 to 90";
    if (lon < -180 || lon > 180) return "longitude must be -180 to 180";
    return { lat, lon };
  }
  const compact = t.replace(/\s+/g, "").toUpperCase();
  const parts = compact.match(/^(\d{1,2})?([A-Z])([A-Z]{2})(\d*)$/);
  if (!parts) return "give lat, lon in degrees, or an MGRS reference such as 32TNK2985433365";
  if (parts[4].length % 2 || parts[4].length > 10) return "MGRS easting and northing need the same number of digits (0-5 each)";
  try {
    const [lon, lat] = toPoint(compact);
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) return "not an MGRS reference";
    return { lat, lon };
  } catch {
    return "give lat, lon in degrees, or an MGRS reference such as 32TNK2985433365";
  }
}

// The values the server accepts, generated from its OpenAPI (schema.ts): never copied by hand.
/** The open stages of the brokering flow, in order: the board's columns. */
export const STAGES = Stage_VALUES.filter((s) => s !== "closed");
export const CAPABILITIES = Capability_VALUES;
export const CHANNELS = ReportChannel_VALUES;
export const CONFIDENCE = SourceConfidence_VALUES;
export const ENVIRONMENTS = Environment_VALUES;
export const CONDITIONS = Condition_VALUES;
export const DUTY_STATUSES = DutyStatus_VALUES;
export const TASKS = PRTask_VALUES;
export const TASK_STATUSES = TaskStatus_VALUES;
export const DISPOSITIONS = Disposition_VALUES;
