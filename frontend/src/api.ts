import type * as S from "./schema";

// The HTTP API, as the page uses it. The session is an HttpOnly cookie set at login.

export interface Problem {
  error: string;
  message: string;
  field: string | null;
  errors?: { field: string; rule: string; message: string }[];
}

export class ApiError extends Error {
  constructor(public status: number, public problem: Problem) {
    super(problem.message);
  }
  /** Messages per top-level field name ("offers", "position", ...), for showing next to fields. */
  byField(): Record<string, string> {
    const out: Record<string, string> = {};
    const list = this.problem.errors ?? (this.problem.field ? [{ field: this.problem.field, message: this.problem.message }] : []);
    for (const e of list) {
      const field = e.field || "";
      const top = field.split(/[.[]/)[0];
      // a row of a list ("persons[1].name", "offers[0].asset_id"): say which row and which part
      const row = field.match(/^[^[]+\[(\d+)\](?:\.(\w+))?/);
      const where = row ? `row ${Number(row[1]) + 1}${row[2] ? ` (${row[2].replace(/_/g, " ")})` : ""}: ` : "";
      if (top && !out[top]) out[top] = where + e.message.replace(/^Value error, /, "");
    }
    return out;
  }
}

async function request<T>(method: string, path: string, body?: unknown, form?: URLSearchParams): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: {} };
  if (form) {
    init.body = form;
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    // the network, not the server, said no: nothing was sent or nothing came back
    throw new ApiError(0, {
      error: "unreachable", field: null,
      message: method === "GET"
        ? "The coordination center cannot be reached: what is shown may be out of date."
        : "The coordination center cannot be reached: this action was not recorded. Try again when the connection is back.",
    });
  }
  if (response.status === 204) return undefined as T;
  const data = await response.json().catch(() => ({ error: "bad_answer", message: response.statusText, field: null }));
  if (!response.ok) throw new ApiError(response.status, data as Problem);
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body: unknown = {}) => request<T>("POST", path, body),
  put: <T>(path: string, body: unknown = {}) => request<T>("PUT", path, body),
  del: <T>(path: string) => request<T>("DELETE", path),
  login: (username: string, password: string) =>
    request<Session>("POST", "/api/auth/token", undefined, new URLSearchParams({ username, password })),
  logout: () => request<void>("POST", "/api/auth/logout"),
};

export interface Session { username: string; role: string; component_id: string | null; }
export type Me = S.MeOut;
export type Config = S.ConfigOut;
export type Position = S.PositionOut;

export type BoardRow = S.BoardRowOut;
export type Board = S.BoardOut;
export type Inbox = S.InboxOut;
export type InboxItem = S.InboxItem;
export type Offerable = S.OfferableOut;
export type OfferableAsset = S.OfferableAsset;
export type Relayed = S.RelayedOut;

export type MapIncident = S.MapIncidentOut;
export type Asset = S.AssetOut;
export type RecoveryPoint = S.RecoveryPointOut;
export type MapPicture = S.MapPictureOut;

export interface LatLon { lat: number; lon: number; }
export type LayerBody =
  | { kind: "point_threat"; system: string; category: string; position: LatLon; min_range_m: number; max_range_m: number;
      min_altitude_m: number; max_altitude_m: number; pk: number; falloff: number }
  | { kind: "area_threat"; category: string; polygon: LatLon[]; severity: number }
  | { kind: "civil"; attitude: string; polygon: LatLon[]; contacts: string; safe_location: LatLon | null }
  | { kind: "psyop"; polygon: LatLon[]; theme: string }
  | { kind: "weather"; polygon: LatLon[]; ceiling_ft: number | null; visibility_m: number | null; wind_kt: number | null;
      wind_from_deg: number | null };
export type IntelLayer = S.IntelLayer;
export type RouteRisk = S.RouteRiskOut;
export type Light = S.LightOut;
export type Assessment = S.AssessmentOut;
export type DarkWindow = S.DarkWindowOut;
export type Component = S.ComponentOut;

export type Person = S.PersonOut;
export type UnitReadiness = S.UnitReadinessOut;
export interface Offer { asset_id: string; capability: string; available_at: string; release_from_operation: boolean; remarks: string; }
export interface Contribution { component_id: string; asset_ids: string[]; task: string; }
export type Relationship = S.RelationshipOut;
export type OptionChoice = S.OptionChoice;
export type Nomination = S.NominationOut;
export type AssetRole = S.AssetRoleOut;
export type RecoveryOption = S.OptionOut;
export type OptionSet = S.OptionSetOut;
export type Directive = S.DirectiveOut;
export type Incident = S.IncidentDetail;
export type PersonRow = S.PersonRowOut;
export type Journey = S.JourneyOut;
export type HandOff = S.HandOffOut;
export type PhaseRecord = S.PhaseOut;
export type Casefile = S.CasefileOut;
export type TimelineEntry = S.TimelineEntryOut;
export interface FeedEvent {
  seq: number; type: string; stream_id: string; stream_version: number; incident_id: string | null;
  at: string; actor: string; summary: string; board_row?: BoardRow;
  /** the parties the incident now waits on (``component:JFLCC``, ``jfc``, ``jprcc``) */
  waiting_on?: string[];
}

// --- locate: the probability map of an incident, what shaped it, and the search plans ---------
export interface LocateMap { south: number; west: number; north: number; east: number; rows: number; cols: number; peak: number; }
export type ClueBody =
  | { kind: "fix"; position: LatLon; semi_major_m: number; semi_minor_m: number; orientation_deg: number; confidence: number }
  | { kind: "bearing"; observer: LatLon; bearing_deg: number; sigma_deg: number }
  | { kind: "report"; position: LatLon; radius_m: number }
  | { kind: "searched"; polygon: LatLon[]; sweep_width_m: number; track_spacing_m: number; ended_at: string; law: string; asset: string };
export interface LocateInformation {
  info_id: string; kind: ClueBody["kind"]; at: string; applied: boolean; note: string; evidence: number | null;
  rest_of_world_after: number | null; moved: number; reliability: number; source: string; recorded_by: string; body: ClueBody;
}
export interface SearchArea {
  asset: string; corners: LatLon[]; width_m: number; height_m: number; sweep_width_m: number; track_spacing_m: number;
  track_length_m: number; coverage: number; probability_of_detection: number; probability_of_containment: number;
}
export interface SearchPlan {
  plan_id: string; at: string; areas: SearchArea[]; probability_of_success: number; cumulative_probability_of_success: number;
  optimal_probability_of_success: number; model_revision: number; adopted_by: string; adopted_at: string; remarks: string;
}
export interface SearchModel {
  start: string; position: LatLon; radius95_m: number; movement: { kind: "maritime" | "evader" | "stationary"; [key: string]: unknown };
  horizon_h: number; step_s: number; particles: number; seed: number; rest_of_world: number; remarks: string;
}
export interface Locate {
  incident_id: string; revision: number; at: string; model: SearchModel; particles: number; rest_of_world: number;
  cumulative_probability_of_success: number; mean: Position; containment_m: Record<"50" | "90" | "95", number>;
  map: LocateMap; information: LocateInformation[]; plans: SearchPlan[]; notes: string[];
  /** a drift at sea: the probability stranded on the shore and the map's cells holding it (null otherwise) */
  stranded: S.StrandedOut | null;
}
export interface SearchAssetIn {
  name: string; sweep_width_m: number; speed_kt: number; hours: number; searches: "any" | "water" | "land"; signal_probability: number;
}
