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
      const top = (e.field || "").split(/[.[]/)[0];
      if (top && !out[top]) out[top] = e.message.replace(/^Value error, /, "");
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
  const response = await fetch(path, init);
  if (response.status === 204) return undefined as T;
  const data = await response.json().catch(() => ({ error: "bad_answer", message: response.statusText, field: null }));
  if (!response.ok) throw new ApiError(response.status, data as Problem);
  return data as T;
}

export const api = {
  get: <T>(path: string) => request<T>("GET", path),
  post: <T>(path: string, body: unknown = {}) => request<T>("POST", path, body),
  put: <T>(path: string, body: unknown = {}) => request<T>("PUT", path, body),
  login: (username: string, password: string) =>
    request<Session>("POST", "/api/auth/token", undefined, new URLSearchParams({ username, password })),
  logout: () => request<void>("POST", "/api/auth/logout"),
};

export interface Session { username: string; role: string; component_id: string | null; }
export interface Me extends Session { full_name: string; report_components: string[]; }
export interface Config { classification: string; node_id: string; version: string; basemap_tiles: boolean; }
export interface Position { lat: number; lon: number; mgrs: string; }

export interface BoardRow {
  incident_id: string; title: string; stage: string; owning_component: string;
  supported_component: string | null; priority: number; environment: string;
  isolating_event_at: string; reported_at: string; last_update_at: string;
  overdue_at: string | null; overdue: boolean; dustwun_due_at: string | null; position: Position;
  uncertainty_m: number; persons_count: number; duty_statuses: string[]; tasks: Record<string, string>; version: number;
}
export interface Board { rows: BoardRow[]; total: number; counts: Record<string, number>; overdue: number; }

export interface MapIncident {
  incident_id: string; title: string; stage: string; owning_component: string; priority: number;
  lat: number; lon: number; uncertainty_m: number; persons_count: number; duty_statuses: string[]; overdue: boolean;
}
export interface Asset {
  asset_id: string; callsign: string; asset_type: string; component_id: string; capabilities: string[];
  base: Position; base_name: string; speed_kmh: number; range_km: number; endurance_h: number | null;
  readiness: string; commitment: { operation_id: string; priority: number } | null; tasked_incident_id: string | null;
}
export interface RecoveryPoint {
  point_id: string; name: string; kind: string; position: Position; component_id: string | null; remarks: string;
}
export interface MapPicture { incidents: MapIncident[]; assets: Asset[]; recovery_points: RecoveryPoint[]; }

export interface LatLon { lat: number; lon: number; }
export type LayerBody =
  | { kind: "point_threat"; system: string; category: string; position: LatLon; min_range_m: number; max_range_m: number;
      min_altitude_m: number; max_altitude_m: number; pk: number; falloff: number }
  | { kind: "area_threat"; category: string; polygon: LatLon[]; severity: number }
  | { kind: "civil"; attitude: string; polygon: LatLon[]; contacts: string; safe_location: LatLon | null }
  | { kind: "psyop"; polygon: LatLon[]; theme: string }
  | { kind: "weather"; polygon: LatLon[]; ceiling_ft: number | null; visibility_m: number | null; wind_kt: number | null;
      wind_from_deg: number | null };
export interface IntelLayer {
  layer_id: string; version: number; name: string; source: string; confidence: string; valid_from: string;
  valid_to: string | null; body: LayerBody; published_by: string; published_at: string; withdrawn: boolean;
}
export interface RouteRisk {
  destination: string; kind: string; position: Position; seconds: number | null; exposure: number | null;
  worst_threat: number; path: [number, number][];
}
export interface Light {
  sun_elevation: number; moon_elevation: number; moon_illumination: number; dark: boolean;
  sunrise: string | null; sunset: string | null;
}
export interface Assessment {
  incident_id: string; mode: string; at: string; recommendation: string; approval: string; why: string;
  matrix_row: number; matrix_version: number; situation: Record<string, string>; reasons: string[];
  threat_at_person: Record<string, number>; routes: RouteRisk[]; unreachable: string[]; light: Light; layers: string[];
}
export interface Component { component_id: string; name: string; kind: string; prcc_name: string; }

export interface Person {
  person_id: string; name: string; service: string; component_id: string; unit: string; condition: string;
  duty_status: string; status_since: string; dustwun_due_at: string | null; accounted_for: boolean;
  person_ref: string | null; authenticated_by: string | null; authenticated_at: string | null;
}
export interface UnitReadiness {
  component_id: string; unit: string; persons: number;
  lacking: { person_ref: string; name: string; isoprep: string; valid_until: string; epa_missions: string[]; locked: boolean }[];
}
export interface Offer { asset_id: string; capability: string; available_at: string; release_from_operation: boolean; remarks: string; }
export interface Contribution { component_id: string; asset_ids: string[]; task: string; }
export interface Relationship {
  relationship_id: string; kind: string; transfers_control: boolean; from_component: string; to_component: string;
  incident_id: string; asset_ids: string[]; begin: string; end: string | null; source_id: string; statement: string;
}
export interface OptionChoice {
  option_id: string; method: string; supported_component: string; summary: string; score: number;
  minutes_to_medical: number; p_success: number | null; disruption: number; tacon_transfer: boolean;
}
export interface Nomination {
  nomination_id: string; supported_component: string; supporting_components: string[]; contributions: Contribution[];
  support_kind: string; priority: number; window_start: string; window_end: string; desired_effects: string;
  rationale: string; nominated_by: string; status: string; decided_by: string | null; decision_remarks: string;
  adopted_option: OptionChoice | null; alternatives: OptionChoice[];
}
export interface AssetRole {
  role: string; asset_id: string; callsign: string; asset_type: string; component_id: string; launch_at: string;
  on_station_at: string; offered: boolean | null; released: boolean; with_persons: boolean; operation: string | null;
}
export interface RecoveryOption {
  option_id: string; method: string; method_label: string; summary: string;
  site: { name: string; kind: string; position: Position }; supported_component: string; assets: AssetRole[];
  launch_at: string | null; on_scene_at: string | null; recovery_at: string | null; at_medical_at: string | null;
  medical_facility: string; minutes_to_medical: number; exposure_s: number; threat_on_route: number; p_success: number | null;
  disruption: number; disrupted: string[]; components: string[]; handoffs: number; score: number;
  score_terms: Record<string, number>; notes: string[]; tacon_transfers: string[]; route: [number, number][];
  walk: [number, number][]; dominated: boolean;
}
export interface OptionSet {
  incident_id: string; generated_at: string; weights: { time: number; risk: number; disruption: number };
  matrix: { recommendation: string; approval: string; matrix_row: number; why: string; wait_for_darkness: boolean; reasons: string[] } | null;
  methods: string[]; closed: string[]; options: RecoveryOption[]; also_considered: RecoveryOption[]; infeasible: string[];
  tacon_options: boolean; route_fields_reused: boolean; seconds: number;
}
export interface Directive {
  directive_id: string; nomination_id: string; supported_component: string; contributions: Contribution[]; support_kind: string;
  priority: number; window_start: string; window_end: string; desired_effects: string; tacon_statement: string;
  approved_by: string; approved_at: string; status: string;
}
export interface Incident {
  incident_id: string; version: number; title: string; stage: string; owning_component: string;
  supported_component: string | null; involved_components: string[]; priority: number; environment: string;
  summary: string; isolating_event_at: string; reported_at: string; reported_by: string; position: Position;
  uncertainty_m: number; channel: string; source_confidence: string; check_in_interval_s: number;
  search_case: { revision: number; information: number; plans: number };
  last_update_at: string | null; overdue_at: string | null; persons: Person[]; tasks: Record<string, string>;
  organic_plan: string; assistance: { capabilities_needed: string[]; reason: string; cannot_recover: boolean } | null;
  poll: { poll_id: string; component_ids: string[]; capabilities_needed: string[]; awaiting: string[];
          answers: { component_id: string; offers: Offer[]; cannot_reason: string | null; answered_by: string }[] } | null;
  nominations: Nomination[]; directive: Directive | null;
  support_tasks: { component_id: string; asset_ids: string[]; task: string; status: string; remarks: string }[];
  relationships: Relationship[];
  tacon_requests: { request_id: string; asset_ids: string[]; from_component: string; to_component: string;
                    begin: string; end: string; reason: string; status: string }[];
  narrative: { entry_id: string; author: string; at: string; text: string }[];
  disposition: string | null; closed_at: string | null; allowed_actions: string[];
}
export interface TimelineEntry { seq: number; at: string; actor: string; event_type: string; summary: string; }
export interface FeedEvent {
  seq: number; type: string; stream_id: string; stream_version: number; incident_id: string | null;
  at: string; actor: string; summary: string; board_row?: BoardRow;
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
}
export interface SearchAssetIn { name: string; sweep_width_m: number; speed_kt: number; hours: number; searches: "any" | "water" | "land"; }
