// Words and numbers at the human edge: UTC date-time groups, MGRS, labels.
import { forward, toPoint } from "mgrs";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

/** A date-time group: 250310Z NOV 26. */
export function dtg(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}Z ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCFullYear()).slice(2)}`;
}

export function clock(now: Date = new Date()): string {
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

/** Read "lat, lon" or an MGRS reference; null (and a reason) when it is neither. */
export function readPosition(text: string): { lat: number; lon: number } | string {
  const t = text.trim();
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

export const STAGES = [
  "reported", "organic_recovery", "assistance_requested", "capability_poll", "nominated",
  "directive_in_force", "recovery_underway", "recovered", "reintegration", "detained",
];
export const CAPABILITIES = [
  "isr", "airborne_c2", "rotary_wing_recovery", "fixed_wing_escort", "close_air_support", "air_refueling",
  "ground_recovery_team", "armored_reconnaissance", "special_operations_team", "maritime_surface_recovery",
  "medical", "pararescue",
];
export const CHANNELS = ["voice", "beacon", "tak_alert", "wingman", "visual", "intelligence", "component_report", "other"];
export const CONFIDENCE = ["confirmed", "probably_true", "possibly_true", "doubtful", "improbable", "cannot_be_judged"];
export const ENVIRONMENTS = ["land", "maritime", "littoral", "urban", "mountain", "desert", "jungle", "arctic"];
export const CONDITIONS = ["unknown", "uninjured", "injured", "seriously_injured"];
export const DUTY_STATUSES = ["isolated", "evading", "missing", "dustwun", "captured", "recovered", "deceased"];
export const TASKS = ["report", "locate", "support", "recover", "reintegrate"];
export const TASK_STATUSES = ["not_started", "in_progress", "complete", "not_applicable"];
export const DISPOSITIONS = [
  "recovered_and_reintegrated", "returned_to_duty", "remains_recovered", "false_alarm", "duplicate", "transferred",
];
