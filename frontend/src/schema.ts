// Generated from the OpenAPI document by `python -m jprcc.api.typescript`: do not edit.
// The page's API types and the values of every enumeration the server accepts.

export type ActiveIn = {
  active: boolean;
};

export type ActorIn = {
  organisation: string;
  kind: ActorKind;
  contact: string;
  role: string;
  /** Further components that may see this actor. */
  need_to_know?: string[];
};

export type ActorKind = "state_department" | "embassy" | "icrc" | "negotiator" | "ngo" | "host_nation" | "intelligence_agency" | "other";
export const ActorKind_VALUES: readonly ActorKind[] = ["state_department", "embassy", "icrc", "negotiator", "ngo", "host_nation", "intelligence_agency", "other"];

export type ActorOut = {
  actor_id: string;
  organisation: string;
  kind: ActorKind;
  contact: string;
  role: string;
  need_to_know: string[];
  added_by: string;
  added_at: string;
};

export type AdoptIn = {
  /** Why this option is adopted over the others. */
  rationale: string;
  support_kind?: SupportKind;
  expected_version?: number | null;
};

export type AdoptPlanIn = {
  assets: AssetIn[];
  /** When the searches will be made (default: now). */
  at?: string | null;
  /** Detection law for the areas' POD. */
  law?: DetectionLaw;
  cells?: number;
  remarks?: string;
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
};

export type AfterActionOut = {
  /** The node's marking (an exercise's included). */
  marking: string;
  as_of: string;
  events_read: number;
  incidents: IncidentMetricsOut[];
};

export type AnswerIn = {
  /** Statement 1-4, or null for the authentication number. */
  statement: number | null;
  answer: string;
};

export type AppliedOut = {
  info_id: string;
  kind: string;
  at: string;
  applied: boolean;
  note: string;
  evidence: number | null;
  rest_of_world_after: number | null;
  /** Probability moved out of the searched area (searches). */
  moved: number;
  reliability: number;
  source: string;
  recorded_by: string;
  body: Record<string, unknown>;
};

export type Approach = "immediate" | "deliberate" | "external_supported" | "unassisted_evasion";
export const Approach_VALUES: readonly Approach[] = ["immediate", "deliberate", "external_supported", "unassisted_evasion"];

export type AreaIn = {
  polygon: PositionIn[];
  at?: string | null;
};

export type AreaReportOut = {
  layer_id: string;
  name: string;
  kind: string;
  text: string;
  source: string;
  valid_from: string;
  valid_to: string | null;
  distance_km: number;
};

export type AreaThreat_Input = {
  kind: "area_threat";
  category: AreaThreatCategory;
  polygon: Position_Input[];
  severity: number;
};

export type AreaThreat_Output = {
  kind: "area_threat";
  category: AreaThreatCategory;
  polygon: Position_Output[];
  severity: number;
};

export type AreaThreatCategory = "enemy_ground_forces" | "hostile_populace" | "mined_area";
export const AreaThreatCategory_VALUES: readonly AreaThreatCategory[] = ["enemy_ground_forces", "hostile_populace", "mined_area"];

/** The matrix's recommendation for an incident, with the facts and reasons behind it. */
export type AssessmentOut = {
  incident_id: string;
  mode: Mode;
  at: string;
  recommendation: Approach;
  approval: jprcc__intel__decision__Approval;
  why: string;
  /** The row that decided, counting from 1. */
  matrix_row: number;
  matrix_version: number;
  situation: Record<string, string>;
  reasons: string[];
  threat_at_person: Record<string, number>;
  /** Reachable destinations, best first. */
  routes: RouteRiskOut[];
  /** Destinations this way of moving cannot get to. */
  unreachable: string[];
  light: LightOut;
  layers: string[];
};

export type AssetCreate = {
  asset_id: string;
  callsign: string;
  asset_type: string;
  component_id: string;
  capabilities: Capability[];
  base: PositionIn;
  base_name?: string;
  speed_kmh: number;
  range_km: number;
  endurance_h?: number | null;
  readiness?: Readiness;
  /** What it physically is; how it moves. Unstated: inferred from what it can do. */
  platform?: Platform | null;
  /** The asset it rides in or aboard (a team in a helicopter, on a ship). */
  carried_by?: string | null;
};

export type AssetIn = {
  name: string;
  sweep_width_m: number;
  speed_kt: number;
  /** Time on task in the search area. */
  hours: number;
  searches?: "any" | "water" | "land";
  /** For a listening (electronic) search: the chance the person transmits while the asset listens, from their signalling schedule; 1 for a search by sight. */
  signal_probability?: number;
};

export type AssetOut = {
  asset_id: string;
  callsign: string;
  asset_type: string;
  component_id: string;
  capabilities: Capability[];
  base: PositionOut;
  base_name: string;
  speed_kmh: number;
  range_km: number;
  endurance_h: number | null;
  readiness: Readiness;
  commitment: CommitmentOut | null;
  tasked_incident_id: string | null;
  /** The end of the timing window of the support directive it serves: from then on it may serve another incident in sequence. */
  tasked_until?: string | null;
  /** As stated at registration (null: inferred for planning). */
  platform: Platform | null;
  /** The asset it rides in or aboard. */
  carried_by: string | null;
};

export type AssetReleaseIn = {
  reason: string;
};

export type AssetRoleOut = {
  role: TaskRole;
  asset_id: string;
  callsign: string;
  asset_type: string;
  component_id: string;
  launch_at: string;
  on_station_at: string;
  /** Offered in the capability poll; null while no poll is open. */
  offered: boolean | null;
  /** Released by its component from the operation it serves. */
  released: boolean;
  /** The isolated team itself. */
  with_persons: boolean;
  /** The operation it would leave, with its priority. */
  operation: string | null;
};

export type AssistanceOut = {
  capabilities_needed: Capability[];
  reason: string;
  cannot_recover: boolean;
};

export type AssistanceRequestIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  /** Set when the JPRCC records a decision given by voice on its giver's behalf. */
  on_behalf?: OnBehalfIn | null;
  capabilities_needed?: Capability[];
  reason: string;
  cannot_recover?: boolean;
};

export type Attitude = "friendly" | "neutral" | "hostile";
export const Attitude_VALUES: readonly Attitude[] = ["friendly", "neutral", "hostile"];

export type AuditOut = {
  ok: boolean;
  records: number;
  bad_seq: number | null;
  bad_event_id: string | null;
  reason: string;
};

export type BearingIn = {
  kind: "bearing";
  observer: PositionIn;
  bearing_deg: number;
  sigma_deg?: number;
};

/** Name either the asset or the person's ISOPREP record (person_ref). */
export type BindIn = {
  /** An asset of the theater. */
  asset_id?: string | null;
  /** A person's ISOPREP record. */
  person_ref?: string | null;
};

export type BindingOut = {
  kind: string;
  ref: string;
  label: string;
  component_id: string;
};

/** The incident board: a page of incident cards, and counts over all that match. */
export type BoardOut = {
  /** This page's cards, in the order asked for. */
  rows: BoardRowOut[];
  /** How many incidents match the search and every filter, over all pages. */
  total: number;
  /** Per stage, how many match the search and every filter but the stage: a stage's count, clicked, filters to that many. */
  counts: Record<string, number>;
  /** Of those the counts cover, how many are overdue. */
  overdue: number;
  /** Every open incident you may see, whatever the search and filters. */
  open_total: number;
};

export type BoardRowOut = {
  incident_id: string;
  title: string;
  stage: Stage;
  owning_component: string;
  supported_component: string | null;
  priority: number;
  environment: string;
  isolating_event_at: string;
  reported_at: string;
  last_update_at: string;
  /** When the next check-in falls due: the last update plus the check-in interval (none once closed). The card counts down to it. */
  overdue_at: string | null;
  overdue: boolean;
  dustwun_due_at: string | null;
  position: PositionOut;
  uncertainty_m: number;
  persons_count: number;
  duty_statuses: string[];
  tasks: Record<string, string>;
  version: number;
  /** Seconds between check-ins the JPRCC expects. */
  check_in_interval_s: number;
};

/** The order of the board's cards (and of its pages): every order ends on the incident id, so that paging neither repeats nor skips a card. */
export type BoardSort = "priority" | "newest" | "oldest" | "check_in_due" | "last_update";
export const BoardSort_VALUES: readonly BoardSort[] = ["priority", "newest", "oldest", "check_in_due", "last_update"];

export type Body_login_api_auth_token_post = {
  grant_type?: string | null;
  username: string;
  password: string;
  scope: string;
  client_id?: string | null;
  client_secret?: string | null;
};

/** What an asset can contribute to a recovery (the capability catalogue). */
export type Capability = "isr" | "airborne_c2" | "rotary_wing_recovery" | "fixed_wing_escort" | "close_air_support" | "air_refueling" | "ground_recovery_team" | "armored_reconnaissance" | "special_operations_team" | "maritime_surface_recovery" | "medical" | "pararescue" | "security_element" | "rescue_escort" | "sead_ew" | "on_scene_commander" | "surface_fires";
export const Capability_VALUES: readonly Capability[] = ["isr", "airborne_c2", "rotary_wing_recovery", "fixed_wing_escort", "close_air_support", "air_refueling", "ground_recovery_team", "armored_reconnaissance", "special_operations_team", "maritime_surface_recovery", "medical", "pararescue", "security_element", "rescue_escort", "sead_ew", "on_scene_commander", "surface_fires"];

export type CapabilityPollIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  component_ids: string[];
  capabilities_needed?: Capability[];
  respond_by?: string | null;
};

export type CaseEntryIn = {
  /** When it happened, as the source dates it. */
  at: string;
  source: string;
  text: string;
  actor_id?: string | null;
};

export type CasefileOut = {
  incident_id: string;
  version: number;
  actors: ActorOut[];
  requests: RequestOut[];
  entries: EntryOut[];
  collection: CollectionItemOut[];
  area_reports: AreaReportOut[];
  /** True when need-to-know hides part of the interagency track from you. */
  partial: boolean;
  /** What you may do here now: add_actor, raise_request, decide_request, complete_request, add_entry, add_collection_item, complete_collection_item. */
  allowed_actions: string[];
};

export type ChecklistItemIn = {
  item: string;
};

export type ChecklistItemOut = {
  item: string;
  done_at: string | null;
};

export type CivilConsideration_Input = {
  kind: "civil";
  attitude: Attitude;
  polygon: Position_Input[];
  contacts: string;
  safe_location?: Position_Input | null;
};

export type CivilConsideration_Output = {
  kind: "civil";
  attitude: Attitude;
  polygon: Position_Output[];
  contacts: string;
  safe_location?: Position_Output | null;
};

export type ClockIn = {
  /** Scenario seconds per real second from now on (0 stops the clock). */
  speed?: number | null;
  /** Move the clock forward by this many seconds. */
  advance_s?: number;
  remarks?: string;
};

/** The node's time: in an exercise, scenario time, which may run faster than real time or stand still. */
export type ClockOut = {
  /** The node's time when this answer was made. */
  now: string;
  /** Seconds of the node's time per real second (0: stopped; 1: real time). */
  speed: number;
};

export type CloseIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  disposition: Disposition;
  remarks?: string;
};

export type CollectionItemIn = {
  item: string;
  /** A component, or JPRCC. */
  assigned_to: string;
  due_at?: string | null;
};

export type CollectionItemOut = {
  item_id: string;
  item: string;
  added_by: string;
  added_at: string;
  assigned_to: string;
  due_at: string | null;
  overdue: boolean;
  done_at: string | null;
  done_by: string | null;
  result: string;
};

export type CollectionResultIn = {
  result: string;
};

export type CommitmentIn = {
  operation_id: string;
};

export type CommitmentOut = {
  operation_id: string;
  priority: number;
};

export type ComponentCreate = {
  component_id: string;
  name: string;
  kind: ComponentKind;
  prcc_name: string;
};

/** The functional components of a joint force; ``other`` covers any added by configuration. */
export type ComponentKind = "air" | "land" | "maritime" | "special_operations" | "other";
export const ComponentKind_VALUES: readonly ComponentKind[] = ["air", "land", "maritime", "special_operations", "other"];

export type ComponentOut = {
  component_id: string;
  name: string;
  kind: ComponentKind;
  prcc_name: string;
};

export type ComponentStatusOut = {
  component: ComponentOut;
  assets_by_readiness: Record<string, number>;
  assets_committed: number;
  assets_tasked: number;
  incidents_owned: string[];
  incidents_supported: string[];
  incidents_supporting: string[];
};

export type Condition = "uninjured" | "injured" | "seriously_injured" | "unknown";
export const Condition_VALUES: readonly Condition[] = ["uninjured", "injured", "seriously_injured", "unknown"];

export type ConditionIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  condition: Condition;
  remarks?: string;
};

/** What every screen needs before login: the marking and who this node is. */
export type ConfigOut = {
  /** The banner of every page: in an exercise, its marking too. */
  classification: string;
  /** The exercise this node runs; empty for real operations. */
  exercise: string;
  clock?: ClockOut | null;
  node_id: string;
  version: string;
  basemap_tiles: boolean;
  hillshade: boolean;
};

export type ConfirmIn = {
  /** Join this open incident (its position is updated from the alert). */
  incident_id?: string | null;
  /** The new incident's id; default PR-<callsign>-<ddHHMM>. */
  new_incident_id?: string | null;
  title?: string;
  environment?: Environment;
  /** For a device bound to an asset: who is isolated (default: the device's user). */
  persons?: string[];
  remarks?: string;
};

export type ConnectionOut = {
  name: string;
  role: string;
  url: string;
  peer: string;
  audience: string;
  state: string;
  since: string;
  devices: number;
  counters: Record<string, number>;
  rejected: Record<string, number>;
  queued_urgent: number;
  queued_routine: number;
  last_error: string;
};

/** What one component provides to a recovery: which assets, doing what. */
export type Contribution = {
  component_id: string;
  asset_ids: string[];
  task: string;
};

export type ContributionIn = {
  component_id: string;
  asset_ids: string[];
  task: string;
};

export type CustodianIn = {
  kind: CustodianKind;
  name: string;
  /** The component the custodian belongs to (a unit, an aircraft, a ship). */
  component_id?: string | null;
};

/** Who may hold a person. A captor is hostile; the intermediaries are neither side. */
export type CustodianKind = "captor" | "negotiator" | "icrc" | "ngo" | "host_nation" | "embassy" | "component_unit" | "aircraft" | "vessel" | "medical_facility" | "reintegration_team";
export const CustodianKind_VALUES: readonly CustodianKind[] = ["captor", "negotiator", "icrc", "ngo", "host_nation", "embassy", "component_unit", "aircraft", "vessel", "medical_facility", "reintegration_team"];

export type CustodianOut = {
  kind: CustodianKind;
  name: string;
  component_id: string | null;
  friendly: boolean;
  label: string;
};

/** The dark-window clock of an incident: the dark left where the person is, and the windows of action that run into daylight. */
export type DarkWindowOut = {
  incident_id: string;
  at: string;
  dark: boolean;
  /** Minutes of darkness left now (0 in daylight). */
  dark_minutes_left: number;
  /** The next end of darkness (civil dawn). */
  first_light_at: string | null;
  /** The next beginning of darkness (civil dusk). */
  last_light_at: string | null;
  light: LightOut;
  /** A nomination or directive window that runs past first light. */
  warnings: string[];
};

export type DecisionIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  /** Set when the JPRCC records a decision given by voice on its giver's behalf. */
  on_behalf?: OnBehalfIn | null;
  nomination_id: string;
  remarks?: string;
};

export type DeliberateRecoveryIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  /** Set when the JPRCC records a decision given by voice on its giver's behalf. */
  on_behalf?: OnBehalfIn | null;
  person_ids: string[];
  /** What the raid needs; empty: a special-operations team and ISR. */
  capabilities_needed?: Capability[];
  reason: string;
};

export type DetectionLaw = "random" | "inverse_cube";
export const DetectionLaw_VALUES: readonly DetectionLaw[] = ["random", "inverse_cube"];

export type DetentionIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  person_ids: string[];
  detaining_party: string;
  remarks?: string;
};

export type DeviceOut = {
  uid: string;
  callsign: string;
  cot_type: string;
  binding: BindingOut | null;
  first_seen_at: string;
  last_report_at: string | null;
  stale_at: string | null;
  /** Its last position is past the stale time the device gave it. */
  stale: boolean;
  position: PositionOut | null;
  ce_m: number | null;
  course_deg: number | null;
  speed_ms: number | null;
  reports: number;
  open_alerts: number;
  link: LinkOut;
};

/** The support directive: priority, timing, effects, contributions, and TACON unchanged. */
export type DirectiveOut = {
  directive_id: string;
  nomination_id: string;
  supported_component: string;
  contributions: Contribution[];
  support_kind: SupportKind;
  priority: number;
  window_start: string;
  window_end: string;
  desired_effects: string;
  tacon_statement: string;
  approved_by: string;
  approved_at: string;
  status: string;
  ended_at: string | null;
};

export type DismissIn = {
  /** Why no incident: a false alarm, a test, cancelled and verified. */
  reason: string;
};

/** Why an incident was closed. */
export type Disposition = "recovered_and_reintegrated" | "returned_to_duty" | "remains_recovered" | "false_alarm" | "duplicate" | "transferred";
export const Disposition_VALUES: readonly Disposition[] = ["recovered_and_reintegrated", "returned_to_duty", "remains_recovered", "false_alarm", "duplicate", "transferred"];

/** Duty status of an isolated person (DUSTWUN: duty status - whereabouts unknown). */
export type DutyStatus = "isolated" | "evading" | "missing" | "dustwun" | "captured" | "released" | "recovered" | "deceased";
export const DutyStatus_VALUES: readonly DutyStatus[] = ["isolated", "evading", "missing", "dustwun", "captured", "released", "recovered", "deceased"];

export type DutyStatusIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  status: DutyStatus;
  remains_identified?: boolean;
  remarks?: string;
};

export type EndJourneyIn = {
  end: JourneyEnd;
  remarks?: string;
};

export type EntryOut = {
  entry_id: string;
  at: string;
  source: string;
  text: string;
  actor_id: string | null;
  recorded_by: string;
  recorded_at: string;
};

export type Environment = "land" | "maritime" | "littoral" | "urban" | "mountain" | "desert" | "jungle" | "arctic";
export const Environment_VALUES: readonly Environment[] = ["land", "maritime", "littoral", "urban", "mountain", "desert", "jungle", "arctic"];

export type EpaIn = {
  mission_id: string;
  valid_from: string;
  valid_to: string;
  route?: PositionIn[];
  hide_sites?: PositionIn[];
  destinations?: jprcc__records__http__DestinationIn[];
  signals?: string;
  comm_plan?: string;
};

export type EvaderIn = {
  kind: "evader";
  destinations?: jprcc__locate__views__DestinationIn[];
  /** Take the destinations of this person's evasion plans (opening them is audited). */
  destinations_from_epa?: string | null;
  walk_kmh?: number;
  move_night?: number;
  move_day?: number;
  heading_sigma_deg?: number;
  avoidance?: number;
  fitness_sigma?: number;
  /** The widest water (m) the evader swims across; 0, the default, makes rivers and lakes walls (a ford or a bridge is where the terrain's water mask has a gap). */
  swim_m?: number;
};

/** The running exercise as exercise control sees it. */
export type ExerciseOut = {
  name: string;
  marking: string;
  start: string;
  now: string;
  speed: number;
  end: string;
  injects_played: number;
  injects_refused: string[];
  /** The next injects to come (at most 100), in order. */
  pending: InjectOut[];
  pending_total: number;
  /** The commands an inject may issue. */
  commands: string[];
  /** Whom an inject may be played as. */
  users: string[];
};

export type FixIn = {
  kind: "fix";
  position: PositionIn;
  semi_major_m: number;
  semi_minor_m: number;
  orientation_deg?: number;
  confidence?: number;
};

export type HTTPValidationError = {
  detail?: ValidationError[];
};

export type HandOffIn = {
  receiver: CustodianIn;
  location: string;
  /** When the person changed hands. */
  at: string;
  /** Which side you record it for; the other side acknowledges. */
  side: Side;
  /** Only for the first hand-off known (default for a captured person: the captor). */
  giver?: CustodianIn | null;
  remarks?: string;
};

export type HandOffOut = {
  handoff_id: string;
  giver: CustodianOut | null;
  receiver: CustodianOut;
  location: string;
  at: string;
  recorded_by: string;
  recorded_side: Side;
  status: HandOffStatus;
  waits_for: Side | null;
  acknowledged_by: string | null;
  acknowledged_at: string | null;
  remarks: string;
};

export type HandOffStatus = "pending" | "complete";
export const HandOffStatus_VALUES: readonly HandOffStatus[] = ["pending", "complete"];

export type ImportedOut = {
  layer: string;
  /** Features imported, all in one unit of work. */
  imported: number;
};

/** One thing waiting for the reader: on which incident, what is asked, by when, and the page's action that answers it. */
export type InboxItem = {
  /** The incident's speakable id, e.g. PR-0042. */
  incident_id: string;
  title: string;
  stage: string;
  priority: number;
  position: PositionOut;
  kind: string;
  action: string;
  asks: string;
  since: string;
  due_at: string | null;
  urgent: boolean;
};

export type InboxOut = {
  items: InboxItem[];
  /** How many items hold up a recovery (the header's count). */
  urgent: number;
  /** Whose turns the reader answers for (a frame's ``waiting_on`` names them). */
  parties: string[];
};

export type IncidentCreate = {
  /** Leave out to have one assigned. */
  incident_id?: string | null;
  title: string;
  owning_component: string;
  isolating_event_at: string;
  position: PositionIn;
  uncertainty_m: number;
  channel: ReportChannel;
  source_confidence: SourceConfidence;
  persons: PersonIn[];
  environment: Environment;
  /** 1 (highest) to 5 (lowest) */
  priority?: number;
  summary?: string;
  check_in_interval_s?: number | null;
};

export type IncidentDetail = {
  incident_id: string;
  version: number;
  title: string;
  stage: Stage;
  owning_component: string;
  supported_component: string | null;
  involved_components: string[];
  priority: number;
  environment: Environment;
  summary: string;
  isolating_event_at: string;
  reported_at: string;
  reported_by: string;
  position: PositionOut;
  uncertainty_m: number;
  channel: ReportChannel;
  source_confidence: SourceConfidence;
  check_in_interval_s: number;
  last_update_at: string | null;
  overdue_at: string | null;
  persons: PersonOut[];
  tasks: Record<string, string>;
  organic_plan: string;
  assistance: AssistanceOut | null;
  poll: PollOut | null;
  nominations: NominationOut[];
  directive: DirectiveOut | null;
  past_directives: DirectiveOut[];
  support_tasks: SupportTaskOut[];
  relationships: RelationshipOut[];
  tacon_requests: TaconRequestOut[];
  /** The latest entries of the case narrative (at most 100), oldest first; the earlier ones from GET /api/incidents/{incident_id}/narrative?before=... */
  narrative: NarrativeOut[];
  /** Entries in the whole case narrative. */
  narrative_total: number;
  /** What the incident waits for now, from whom: the page leads with it. */
  waiting_for: WaitingOut[];
  /** Decisions the JPRCC recorded on their giver's behalf, and whether confirmed. */
  relayed: RelayedOut[];
  detaining_party: string;
  /** Detained persons the JFC ordered recovered by force, beside the negotiation. */
  deliberate_recovery: string[];
  /** Components named to receive a person. */
  receiving_components: string[];
  reintegration_team: string;
  disposition: Disposition | null;
  closed_at: string | null;
  /** What the search case holds: a page redraws its map when it changes. */
  search_case: SearchCaseOut;
  /** What the reader may do on this incident now. */
  allowed_actions: string[];
};

/** One incident's after-action figures (definitions in the after-action report and the guide). */
export type IncidentMetricsOut = {
  incident_id: string;
  title: string;
  owning_component: string;
  isolated_at: string;
  /** When each milestone was reached: reported, located, authenticated, directive, recovered, phase_one (and the brokering steps' ends: assistance, poll, answers, nominated, execution). */
  milestones: Record<string, string>;
  /** Minutes from the isolating event to each milestone (null: not reached). */
  minutes_from_isolation: Record<string, number | null>;
  steps: StepOut[];
  /** Minutes of darkness at the person's position between the request for assistance and the start of execution. */
  dark_minutes_lost: number;
  components: string[];
  relationships: string[];
  /** Assets offered in the poll answers. */
  offered: string[];
  /** Assets in the approved nomination. */
  chosen: string[];
  options_weighed: number;
  option_chosen: string;
};

/** A piece of information; its fields carry the names of ``RecordSearchInformation``'s. */
export type InformationIn = {
  /** The time it is about (a search: when it began). */
  at: string;
  body: FixIn | BearingIn | ReportIn | SearchedIn;
  /** Probability the report is genuine. */
  reliability?: number;
  source?: string;
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
};

export type InjectIn = {
  /** Seconds of scenario time from now. */
  due_in_s?: number;
  /** The user the inject is played as, e.g. jfmcc. */
  actor: string;
  /** The command, as in a scenario file. */
  name: string;
  /** The command's fields, as in a scenario file. */
  fields?: Record<string, unknown>;
  remarks?: string;
};

export type InjectOut = {
  due_at: string;
  actor: string;
  name: string;
  fields: Record<string, unknown>;
};

export type IntelLayer = {
  layer_id: string;
  version: number;
  name: string;
  source: string;
  confidence: SourceConfidence;
  valid_from: string;
  valid_to: string | null;
  body: PointThreat_Output | AreaThreat_Output | CivilConsideration_Output | PsyopTheme_Output | WeatherEntry_Output;
  published_by: string;
  published_at: string;
  withdrawn: boolean;
};

export type IntervalIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  interval_s: number;
};

export type IsoprepIn = {
  person_ref: string;
  name: string;
  service: string;
  unit: string;
  component_id: string;
  review_date: string;
  /** Identity and physical description. */
  details?: Record<string, string>;
  /** base64 */
  photo_front?: string | null;
  /** base64 */
  photo_side?: string | null;
  statements?: StatementIn[];
  /** Hashed on arrival; never shown. */
  authentication_number?: string | null;
};

export type JourneyEnd = "returned_to_duty" | "medically_retired" | "remains_identified";
export const JourneyEnd_VALUES: readonly JourneyEnd[] = ["returned_to_duty", "medically_retired", "remains_identified"];

export type JourneyOut = {
  person_id: string;
  incident_id: string;
  name: string;
  component_id: string;
  duty_status: string;
  lifecycle: string;
  location: string;
  custodian: string;
  next_decision: string;
  next_due: string | null;
  ended: boolean;
  updated_at: string;
  incident_title: string;
  incident_stage: string;
  isolating_event_at: string;
  condition: string;
  remains_identified: boolean;
  dustwun_due_at: string | null;
  custody: HandOffOut[];
  phases: PhaseOut[];
  team: Record<string, string>;
  team_roles: TeamRole[];
  medical_care: string | null;
  end: JourneyEnd | null;
  ended_at: string | null;
  timeline: TimelineEntryOut[];
  allowed_actions: string[];
};

export type Layer = "incidents" | "assets" | "threats" | "routes" | "search-areas" | "search-plans";
export const Layer_VALUES: readonly Layer[] = ["incidents", "assets", "threats", "routes", "search-areas", "search-plans"];

export type LayerIn = {
  layer_id: string;
  name: string;
  source: string;
  confidence: SourceConfidence;
  /** Default: now. */
  valid_from?: string | null;
  valid_to?: string | null;
  body: PointThreat_Input | AreaThreat_Input | CivilConsideration_Input | PsyopTheme_Input | WeatherEntry_Input;
};

export type LeewayClassOut = {
  key: string;
  description: string;
};

export type LightOut = {
  sun_elevation: number;
  moon_elevation: number;
  moon_illumination: number;
  /** The Sun below civil twilight (6° under the horizon). */
  dark: boolean;
  sunrise: string | null;
  sunset: string | null;
  /** The Moon above the horizon and at least 25 % lit. */
  moonlit: boolean;
  /** day, twilight (civil) or night. */
  period: string;
};

/** The light at one place and time. */
export type LightThenOut = {
  at: string;
  /** day, twilight (civil) or night */
  period: string;
  /** The Sun below civil twilight. */
  dark: boolean;
  sun_elevation: number;
  moon_elevation: number;
  /** Fraction of the Moon's disc lit, 0-1. */
  moon_illumination: number;
  /** The Moon above the horizon and at least 25 % lit. */
  moonlit: boolean;
  summary: string;
};

export type LinkOut = {
  /** up: its connection is open; down: closed; unknown: not heard yet. */
  state: string;
  connection: string | null;
};

export type LocateOut = {
  incident_id: string;
  revision: number;
  at: string;
  model: Record<string, unknown>;
  particles: number;
  rest_of_world: number;
  cumulative_probability_of_success: number;
  mean: Record<string, unknown>;
  /** Radius about the mean holding 50, 90 and 95 % of the map. */
  containment_m: Record<string, number>;
  map: ProbabilityMapOut;
  /** A drift at sea: the probability stranded on the shore (null for other models). */
  stranded: StrandedOut | null;
  information: AppliedOut[];
  plans: Record<string, unknown>[];
  notes: string[];
};

export type MapIncidentOut = {
  incident_id: string;
  title: string;
  stage: Stage;
  owning_component: string;
  priority: number;
  lat: number;
  lon: number;
  uncertainty_m: number;
  persons_count: number;
  duty_statuses: string[];
  overdue: boolean;
};

/** Everything the map draws, in one answer: open incidents, every asset, recovery points. */
export type MapPictureOut = {
  incidents: MapIncidentOut[];
  assets: AssetOut[];
  recovery_points: RecoveryPointOut[];
};

export type MaritimeIn = {
  kind: "maritime";
  /** A leeway class (GET /api/locate/objects). */
  object_class?: string;
  /** 10 m wind toward east, m/s. */
  wind_east_ms?: number;
  wind_north_ms?: number;
  /** Surface current toward east, m/s. */
  current_east_ms?: number;
  current_north_ms?: number;
  /** A NetCDF file in the node's forcing folder. */
  forcing?: string | null;
};

export type MatrixIn = {
  /** The matrix as YAML. */
  text: string;
};

export type MatrixOut = {
  version: number;
  text: string;
  threat_medium: number;
  threat_high: number;
  location_certain_within_m: number;
  rows: MatrixRowOut[];
};

export type MatrixReadingOut = {
  recommendation: Approach;
  approval: jprcc__intel__decision__Approval;
  matrix_row: number;
  why: string;
  wait_for_darkness: boolean;
  reasons: string[];
};

export type MatrixRowOut = {
  when: Record<string, string[]>;
  recommend: Approach;
  approval: jprcc__intel__decision__Approval;
  why: string;
  wait_for_darkness: boolean;
};

export type MeOut = {
  username: string;
  role: Role;
  component_id: string | null;
  full_name: string;
  active: boolean;
  /** Wrong passwords since the last login or unlock. */
  failed_logins: number;
  /** Locked after wrong passwords. */
  locked_at?: string | null;
  /** Components you may report an isolating event for. */
  report_components: string[];
};

export type MessageKind = "initial_report" | "sitrep" | "theater_sitrep" | "capability_poll" | "support_directive" | "daily_summary" | "spins_pr" | "reintegration_status" | "after_action";
export const MessageKind_VALUES: readonly MessageKind[] = ["initial_report", "sitrep", "theater_sitrep", "capability_poll", "support_directive", "daily_summary", "spins_pr", "reintegration_status", "after_action"];

export type MessageOut = {
  message_id: string;
  kind: string;
  incident_id: string | null;
  template_version: number;
  text: string;
  /** SHA-256 of the text as released (UTF-8). */
  sha256: string;
  recipients: string[];
  released_by: string;
  released_at: string;
};

export type Method = "rotary_wing_recovery" | "ground_recovery" | "sof_assisted_linkup" | "maritime_surface_pickup" | "unassisted_evasion" | "negotiated" | "locate_first";
export const Method_VALUES: readonly Method[] = ["rotary_wing_recovery", "ground_recovery", "sof_assisted_linkup", "maritime_surface_pickup", "unassisted_evasion", "negotiated", "locate_first"];

export type Mode = "rotary_wing_low" | "fixed_wing_medium" | "ground_vehicle" | "dismounted";
export const Mode_VALUES: readonly Mode[] = ["rotary_wing_low", "fixed_wing_medium", "ground_vehicle", "dismounted"];

export type NarrativeIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  text: string;
};

export type NarrativeOut = {
  entry_id: string;
  author: string;
  at: string;
  text: string;
};

export type NominationIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  supported_component: string;
  contributions: ContributionIn[];
  support_kind?: SupportKind;
  /** 1 (highest) to 5 (lowest) */
  priority?: number;
  window_start: string;
  window_end: string;
  desired_effects: string;
  rationale?: string;
};

export type NominationOut = {
  nomination_id: string;
  supported_component: string;
  supporting_components: string[];
  contributions: Contribution[];
  support_kind: SupportKind;
  priority: number;
  window_start: string;
  window_end: string;
  desired_effects: string;
  rationale: string;
  nominated_by: string;
  nominated_at: string;
  status: string;
  decided_by: string | null;
  decided_at: string | null;
  decision_remarks: string;
  /** The recovery option this nomination adopts, as it was generated. */
  adopted_option?: OptionChoice | null;
  /** The options weighed and set aside. */
  alternatives: OptionChoice[];
};

/** One asset a polled component can provide, for one capability, from a time on. ``release_from_operation`` is the component's explicit release of the asset from a higher-priority operation it is committed to; without it such an asset cannot be offered. */
export type Offer = {
  asset_id: string;
  capability: Capability;
  available_at: string;
  release_from_operation: boolean;
  remarks: string;
};

export type OfferIn = {
  asset_id: string;
  capability: Capability;
  available_at: string;
  release_from_operation?: boolean;
  remarks?: string;
};

export type OfferableAsset = {
  asset_id: string;
  callsign: string;
  asset_type: string;
  capabilities: Capability[];
  /** The asset's capabilities the poll asks for. */
  asked: Capability[];
  status: string;
  /** Why it cannot be offered as it stands (empty when offerable). */
  reason: string;
  /** What releasing it costs, e.g. "IRON GATE (priority 1) loses KNIGHT 41". */
  release_cost: string;
  /** In sequence: the time it is free to serve this incident. */
  available_from: string | null;
  distance_km: number;
  /** Great-circle distance at cruise speed (null: no speed). */
  minutes_to_person: number | null;
};

export type OfferableOut = {
  incident_id: string;
  component_id: string;
  capabilities_needed: Capability[];
  respond_by: string | null;
  assets: OfferableAsset[];
};

/** Who gave the decision by voice, and how it came; the recorder is the one logged in. */
export type OnBehalfIn = {
  /** Name and rank of the one who gave the decision, as said on the line. */
  given_by: string;
  channel: RelayChannel;
};

export type OperationCreate = {
  operation_id: string;
  name: string;
  component_id: string;
  /** 1 (highest) to 5 (lowest) */
  priority: number;
  description?: string;
};

export type OperationOut = {
  operation_id: string;
  name: string;
  component_id: string;
  priority: number;
  description: string;
  active: boolean;
};

/** A recovery option as a nomination records it: adopted, or weighed and set aside. The figures are those the option had when it was generated, so that the record says what the planners saw; ``tacon_transfer`` is true only for an option that moves tactical control. */
export type OptionChoice = {
  option_id: string;
  method: string;
  supported_component: string;
  summary: string;
  score: number;
  minutes_to_medical: number;
  p_success: number | null;
  disruption: number;
  tacon_transfer: boolean;
  package?: OptionPackage | null;
};

/** One recovery option: who leads, who supports with what, when, at what risk and cost. */
export type OptionOut = {
  option_id: string;
  method: Method;
  method_label: string;
  summary: string;
  site: SiteOut;
  supported_component: string;
  assets: AssetRoleOut[];
  launch_at: string | null;
  on_scene_at: string | null;
  recovery_at: string | null;
  at_medical_at: string | null;
  medical_facility: string;
  minutes_to_medical: number;
  /** Threat-seconds of every mover in the option. */
  exposure_s: number;
  /** Worst threat on the recovery vehicle's way in (0-1). */
  threat_on_route: number;
  /** Estimated probability of success (model in the operator's guide); null: no force. */
  p_success: number | null;
  /** Points for assets taken from other operations (6 - priority). */
  disruption: number;
  disrupted: string[];
  components: string[];
  /** Custody hand-offs of the persons plus coordination interfaces. */
  handoffs: number;
  score: number;
  score_terms: Record<string, number>;
  notes: string[];
  tacon_transfers: string[];
  /** The recovery vehicle's way in, (lat, lon). */
  route: [number, number][];
  /** The persons' way to the pickup site, (lat, lon). */
  walk: [number, number][];
  dominated: boolean;
  /** The light at launch (at the base), on scene and at the pickup (at the site). */
  light: Record<string, LightThenOut>;
  /** The matrix row that holds at the pickup time. */
  matrix_row_at_pickup: number | null;
  /** The next end of darkness at the site. */
  first_light_at: string | null;
  /** What must not be missed: a daylight pickup against the matrix. */
  flags: string[];
};

/** What the JFC's decision rests on: each asset's role, the times, the light at the pickup, why P(success) is what it is, and what other operations lose. Lines of plain language, as the planners saw them when the option was generated. */
export type OptionPackage = {
  assets: string[];
  launch_at: string | null;
  on_scene_at: string | null;
  recovery_at: string | null;
  at_medical_at: string | null;
  medical_facility: string;
  light_at_pickup: string;
  matrix_row_at_pickup: number | null;
  threat_on_route: number;
  reasons: string[];
  disrupted: string[];
};

/** The non-dominated options ranked by the weights, what else was weighed, what cannot be done. */
export type OptionSetOut = {
  incident_id: string;
  generated_at: string;
  weights: WeightsOut;
  matrix: MatrixReadingOut | null;
  methods: Method[];
  /** Why the other methods are closed. */
  closed: string[];
  options: OptionOut[];
  /** Dominated alternatives, best score first. */
  also_considered: OptionOut[];
  infeasible: string[];
  tacon_options: boolean;
  route_fields_reused: boolean;
  seconds: number;
  /** False when the solver's work limit ran out before it proved an option best: the options are feasible and checked against each other, but a better one may exist. */
  proven_optimal: boolean;
  /** Minutes of darkness left at the person (0 in daylight). */
  dark_minutes_left: number;
  /** The next end of darkness at the person. */
  first_light_at: string | null;
  /** The next beginning of darkness at the person. */
  last_light_at: string | null;
  /** What each of the planner's restrictions removed. */
  restrictions: string[];
  /** The matrix wants this situation's pickup in darkness: pickups are timed in the dark, and any sooner daylight package is listed with a flag. */
  darkness_wanted: boolean;
};

export type OrganicRecoveryIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  plan: string;
};

export type OutcomeIn = {
  outcome: string;
};

/** The five personnel-recovery execution tasks. */
export type PRTask = "report" | "locate" | "support" | "recover" | "reintegrate";
export const PRTask_VALUES: readonly PRTask[] = ["report", "locate", "support", "recover", "reintegrate"];

export type PasswordIn = {
  new_password: string;
  /** Needed when you change your own password. */
  current_password?: string | null;
};

export type PersonIn = {
  name: string;
  service?: string;
  component_id: string;
  unit?: string;
  condition?: Condition;
  duty_status?: DutyStatus;
  person_ref?: string | null;
};

export type PersonOut = {
  person_id: string;
  name: string;
  service: string;
  component_id: string;
  unit: string;
  condition: Condition;
  duty_status: DutyStatus;
  status_since: string;
  dustwun_due_at: string | null;
  accounted_for: boolean;
  person_ref: string | null;
  /** Who verified an ISOPREP answer. */
  authenticated_by?: string | null;
  authenticated_at?: string | null;
  remains_identified: boolean;
  /** How the person's journey ended, once it has. */
  end?: string | null;
};

export type PersonReadinessOut = {
  person_ref: string;
  name: string;
  isoprep: string;
  valid_until: string;
  epa_missions: string[];
  locked: boolean;
};

export type PersonRowOut = {
  person_id: string;
  incident_id: string;
  name: string;
  component_id: string;
  duty_status: string;
  lifecycle: string;
  location: string;
  custodian: string;
  next_decision: string;
  next_due: string | null;
  ended: boolean;
  updated_at: string;
};

export type Phase = "I" | "II" | "III";
export const Phase_VALUES: readonly Phase[] = ["I", "II", "III"];

export type PhaseDecision = "continue" | "return_to_duty" | "medical";
export const PhaseDecision_VALUES: readonly PhaseDecision[] = ["continue", "return_to_duty", "medical"];

export type PhaseDecisionIn = {
  decision: PhaseDecision;
  reason: string;
  /** Why the phase ends before its minimum time, or with its checklist open. */
  override_reason?: string;
  medical_facility?: string;
};

export type PhaseIn = {
  phase: Phase;
  location: string;
  facility: string;
  /** The component that runs the phase. */
  component_id?: string | null;
};

export type PhaseOut = {
  phase: Phase;
  location: string;
  facility: string;
  component_id: string | null;
  began_at: string;
  began_by: string;
  minimum_until: string | null;
  checklist: ChecklistItemOut[];
  decision: PhaseDecision | null;
  decided_at: string | null;
  decided_by: string | null;
  decision_reason: string;
  override_reason: string;
};

export type PlanIn = {
  assets: AssetIn[];
  /** When the searches will be made (default: now). */
  at?: string | null;
  /** Detection law for the areas' POD. */
  law?: DetectionLaw;
  cells?: number;
};

export type PlannedArea = {
  asset: string;
  corners: Position_Output[];
  width_m: number;
  height_m: number;
  sweep_width_m: number;
  track_spacing_m: number;
  track_length_m: number;
  coverage: number;
  probability_of_detection: number;
  probability_of_containment: number;
};

/** What an asset physically is, and so how it moves. */
export type Platform = "rotary_wing" | "fixed_wing" | "uas" | "ground_vehicle" | "surface_vessel" | "dismounted_team";
export const Platform_VALUES: readonly Platform[] = ["rotary_wing", "fixed_wing", "uas", "ground_vehicle", "surface_vessel", "dismounted_team"];

export type PointIn = {
  position: PositionIn;
  at?: string | null;
};

export type PointThreat_Input = {
  kind: "point_threat";
  system: string;
  category: ThreatCategory;
  position: Position_Input;
  min_range_m: number;
  max_range_m: number;
  min_altitude_m: number;
  max_altitude_m: number;
  pk: number;
  falloff: number;
};

export type PointThreat_Output = {
  kind: "point_threat";
  system: string;
  category: ThreatCategory;
  position: Position_Output;
  min_range_m: number;
  max_range_m: number;
  min_altitude_m: number;
  max_altitude_m: number;
  pk: number;
  falloff: number;
};

export type PollAnswerIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  /** Set when the JPRCC records a decision given by voice on its giver's behalf. */
  on_behalf?: OnBehalfIn | null;
  component_id: string;
  offers?: OfferIn[];
  cannot_reason?: string | null;
};

export type PollAnswerOut = {
  component_id: string;
  offers: Offer[];
  cannot_reason: string | null;
  answered_by: string;
  answered_at: string;
};

export type PollOut = {
  poll_id: string;
  component_ids: string[];
  capabilities_needed: Capability[];
  respond_by: string | null;
  opened_at: string;
  answers: PollAnswerOut[];
  awaiting: string[];
};

/** A WGS-84 point in decimal degrees. */
export type Position_Input = {
  lat: number;
  lon: number;
};

/** A WGS-84 point in decimal degrees. */
export type Position_Output = {
  lat: number;
  lon: number;
};

/** A position as lat/lon in decimal degrees, or as MGRS: give one form, not both. */
export type PositionIn = {
  lat?: number | null;
  lon?: number | null;
  mgrs?: string | null;
};

export type PositionOut = {
  lat: number;
  lon: number;
  mgrs: string;
};

export type PositionUpdateIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  position: PositionIn;
  uncertainty_m: number;
  channel: ReportChannel;
  source_confidence: SourceConfidence;
  remarks?: string;
};

export type ProbabilityMapOut = {
  south: number;
  west: number;
  north: number;
  east: number;
  rows: number;
  cols: number;
  /** Probability in the most likely cell. */
  peak: number;
};

export type PsyopTheme_Input = {
  kind: "psyop";
  polygon: Position_Input[];
  theme: string;
};

export type PsyopTheme_Output = {
  kind: "psyop";
  polygon: Position_Output[];
  theme: string;
};

/** How soon an asset can launch. Anything but ``not_mission_capable`` may be offered. */
export type Readiness = "ready" | "standby_30" | "standby_60" | "standby_120" | "not_mission_capable";
export const Readiness_VALUES: readonly Readiness[] = ["ready", "standby_30", "standby_60", "standby_120", "not_mission_capable"];

export type ReadinessIn = {
  readiness: Readiness;
  remarks?: string;
};

export type ReasonIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  reason: string;
};

export type RecordAnswerIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  record_id: string;
  remarks?: string;
};

export type RecordDisputeIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  record_id: string;
  reason: string;
};

export type RecordResolutionIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  record_id: string;
  resolution: string;
};

/** A piece of information recorded: its id, and the incident's version after it. */
export type RecordedOut = {
  info_id: string;
  version: number;
};

export type RecoveryIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  /** Leave empty for every person still isolated. */
  person_ids?: string[];
  remarks?: string;
};

export type RecoveryPointCreate = {
  point_id: string;
  name: string;
  kind: RecoveryPointKind;
  position: PositionIn;
  component_id?: string | null;
  remarks?: string;
};

/** Where isolated persons and recovery forces meet, and where the recovered are treated. */
export type RecoveryPointKind = "linkup_point" | "pickup_point" | "rally_point" | "landing_zone" | "medical_facility";
export const RecoveryPointKind_VALUES: readonly RecoveryPointKind[] = ["linkup_point", "pickup_point", "rally_point", "landing_zone", "medical_facility"];

export type RecoveryPointOut = {
  point_id: string;
  name: string;
  kind: RecoveryPointKind;
  position: PositionOut;
  component_id: string | null;
  remarks: string;
};

export type ReintegrationIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  receiving_team: string;
  remarks?: string;
};

export type RejectionIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  /** Set when the JPRCC records a decision given by voice on its giver's behalf. */
  on_behalf?: OnBehalfIn | null;
  nomination_id: string;
  reason: string;
};

/** Command relationships. Support never moves control; TACON and OPCON do. */
export type RelationshipKind = "support_general" | "support_direct" | "support_mutual" | "support_close" | "tacon" | "opcon";
export const RelationshipKind_VALUES: readonly RelationshipKind[] = ["support_general", "support_direct", "support_mutual", "support_close", "tacon", "opcon"];

export type RelationshipOut = {
  relationship_id: string;
  kind: RelationshipKind;
  transfers_control: boolean;
  from_component: string;
  to_component: string;
  incident_id: string;
  asset_ids: string[];
  begin: string;
  end: string | null;
  source_id: string;
  statement: string;
};

/** How a decision given by someone else reached the JPRCC officer who recorded it. */
export type RelayChannel = "phone" | "radio" | "in_person" | "chat" | "message";
export const RelayChannel_VALUES: readonly RelayChannel[] = ["phone", "radio", "in_person", "chat", "message"];

/** A decision given by voice and recorded by the JPRCC: for whom, as given by whom, how, by whom recorded, and the party's answer (recorded, confirmed, disputed, resolved). */
export type RelayedOut = {
  record_id: string;
  decision: string;
  party: string;
  given_by: string;
  channel: RelayChannel;
  recorded_by: string;
  recorded_at: string;
  status: string;
  answered_by: string | null;
  answered_at: string | null;
  answer: string;
  resolution: string;
};

export type RelayedReasonIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  /** Set when the JPRCC records a decision given by voice on its giver's behalf. */
  on_behalf?: OnBehalfIn | null;
  reason: string;
};

export type RelayedRemarksIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  /** Set when the JPRCC records a decision given by voice on its giver's behalf. */
  on_behalf?: OnBehalfIn | null;
  remarks?: string;
};

export type RemarksIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  remarks?: string;
};

export type RenderIn = {
  kind: MessageKind;
  /** For the kinds about one incident. */
  incident_id?: string | null;
  format?: "text" | "html" | "pdf";
  /** Longest line of the plain text, in characters. */
  line_length?: number;
};

/** How the isolating event came to the JPRCC. */
export type ReportChannel = "voice" | "beacon" | "tak_alert" | "wingman" | "visual" | "intelligence" | "component_report" | "other";
export const ReportChannel_VALUES: readonly ReportChannel[] = ["voice", "beacon", "tak_alert", "wingman", "visual", "intelligence", "component_report", "other"];

export type ReportIn = {
  kind: "report";
  position: PositionIn;
  radius_m: number;
};

export type RequestDecisionIn = {
  approve: boolean;
  remarks?: string;
};

export type RequestIn = {
  kind: RequestKind;
  actor_id: string;
  text: string;
  source: string;
  due_at?: string | null;
};

export type RequestKind = "request" | "tasking";
export const RequestKind_VALUES: readonly RequestKind[] = ["request", "tasking"];

export type RequestOut = {
  request_id: string;
  kind: RequestKind;
  actor_id: string;
  text: string;
  due_at: string | null;
  overdue: boolean;
  source: string;
  raised_by: string;
  raised_at: string;
  approval: jprcc__journey__model__Approval;
  decided_by: string | null;
  decided_at: string | null;
  decision_remarks: string;
  done_at: string | null;
  outcome: string;
};

/** Account roles. Component-bound roles carry the component they act for. */
export type Role = "jfc" | "jprcc_director" | "jprcc_controller" | "prcc_officer" | "liaison_officer" | "observer" | "system";
export const Role_VALUES: readonly Role[] = ["jfc", "jprcc_director", "jprcc_controller", "prcc_officer", "liaison_officer", "observer", "system"];

export type RouteIn = {
  points: PositionIn[];
  at?: string | null;
};

export type RouteRiskOut = {
  destination: string;
  kind: string;
  position: PositionOut;
  seconds: number | null;
  exposure: number | null;
  worst_threat: number;
  path: [number, number][];
};

export type ScheduleIn = {
  /** A theater-wide kind: daily_summary, theater_sitrep, ... */
  kind: MessageKind;
  /** The first release, with its time zone (e.g. 2026-12-06T06:00Z). */
  first_at: string;
  /** Hours between releases. */
  every_h?: number;
  recipients: string[];
  /** Longest line of the plain text, in characters. */
  line_length?: number;
};

export type ScheduleOut = {
  schedule_id: string;
  kind: string;
  first_at: string;
  every_h: number;
  recipients: string[];
  line_length: number;
  created_by: string;
  created_at: string;
  cancelled_at: string | null;
  /** The due time it last released. */
  last_due: string | null;
  last_message_id: string | null;
  /** When it next releases (null: cancelled). */
  next_at: string | null;
};

/** Whose assets the options may use. */
export type Scope = "polled" | "all";
export const Scope_VALUES: readonly Scope[] = ["polled", "all"];

export type SearchCaseOut = {
  /** The search model's revision (0: none defined). */
  revision: number;
  information: number;
  plans: number;
};

export type SearchModelIn = {
  movement: MaritimeIn | EvaderIn | StationaryIn;
  /** Time of the last known position (default: the isolating event). */
  start?: string | null;
  /** Last known position (default: the incident's). */
  position?: PositionIn | null;
  /** 95 % radius of its error (default: the incident's uncertainty). */
  radius95_m?: number | null;
  horizon_h?: number;
  step_s?: number;
  particles?: number;
  /** Random seed (default: drawn and recorded). */
  seed?: number | null;
  rest_of_world?: number;
  remarks?: string;
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
};

export type SearchPlan = {
  plan_id: string;
  at: string;
  areas: PlannedArea[];
  probability_of_success: number;
  cumulative_probability_of_success: number;
  optimal_probability_of_success: number;
  model_revision: number;
  adopted_by: string;
  adopted_at: string;
  remarks: string;
};

export type SearchedIn = {
  kind: "searched";
  polygon: PositionIn[];
  sweep_width_m: number;
  track_spacing_m: number;
  ended_at: string;
  law?: DetectionLaw;
  asset?: string;
  /** An electronic (listening) search: the probability the person was transmitting while it ran (their signalling schedule). 1 for a search by sight. */
  signal_probability?: number;
};

/** A cell of the map on the shore, and the probability stranded in it. */
export type ShoreCellOut = {
  south: number;
  west: number;
  north: number;
  east: number;
  probability: number;
};

export type Side = "giver" | "receiver";
export const Side_VALUES: readonly Side[] = ["giver", "receiver"];

export type SiteOut = {
  name: string;
  kind: string;
  position: PositionOut;
};

/** Credibility of the report, on the admiralty-code information scale (1-6). */
export type SourceConfidence = "confirmed" | "probably_true" | "possibly_true" | "doubtful" | "improbable" | "cannot_be_judged";
export const SourceConfidence_VALUES: readonly SourceConfidence[] = ["confirmed", "probably_true", "possibly_true", "doubtful", "improbable", "cannot_be_judged"];

/** Where the incident stands in the brokering flow (see ``jprcc.brokering.flow``). */
export type Stage = "reported" | "organic_recovery" | "assistance_requested" | "capability_poll" | "nominated" | "directive_in_force" | "recovery_underway" | "recovered" | "reintegration" | "detained" | "closed";
export const Stage_VALUES: readonly Stage[] = ["reported", "organic_recovery", "assistance_requested", "capability_poll", "nominated", "directive_in_force", "recovery_underway", "recovered", "reintegration", "detained", "closed"];

export type StatementIn = {
  prompt: string;
  /** Hashed on arrival; never shown. */
  answer: string;
};

export type StationaryIn = {
  kind: "stationary";
};

export type StepOut = {
  /** The brokering step, e.g. 'poll → answers in'. */
  name: string;
  began: string;
  ended: string;
  minutes: number;
};

/** A drift at sea: how much of the probability has stranded on the shore, and where. */
export type StrandedOut = {
  /** Probability that the object lies stranded on the shore by then. */
  probability: number;
  /** The map's cells holding stranded probability, most first (at most 500). */
  cells: ShoreCellOut[];
  /** What the coast was made from: the theater's terrain, the packaged coastline. */
  coast: string;
};

/** The four categories of the support command relationship (JP 3-0). */
export type SupportKind = "general" | "direct" | "mutual" | "close";
export const SupportKind_VALUES: readonly SupportKind[] = ["general", "direct", "mutual", "close"];

export type SupportTaskOut = {
  component_id: string;
  asset_ids: string[];
  task: string;
  status: string;
  remarks: string;
  at: string | null;
};

export type TaconDecisionIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  /** Set when the JPRCC records a decision given by voice on its giver's behalf. */
  on_behalf?: OnBehalfIn | null;
  request_id: string;
  remarks?: string;
};

export type TaconRejectionIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  /** Set when the JPRCC records a decision given by voice on its giver's behalf. */
  on_behalf?: OnBehalfIn | null;
  request_id: string;
  reason: string;
};

export type TaconRequestIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  asset_ids: string[];
  from_component: string;
  to_component: string;
  begin: string;
  end: string;
  reason: string;
};

export type TaconRequestOut = {
  request_id: string;
  asset_ids: string[];
  from_component: string;
  to_component: string;
  begin: string;
  end: string;
  reason: string;
  requested_by: string;
  requested_at: string;
  status: string;
  decided_by: string | null;
  decision_remarks: string;
};

/** What an asset does in a recovery option. */
export type TaskRole = "recovery_vehicle" | "linkup_movement" | "escort_fires" | "isr" | "airborne_c2" | "ground_security" | "medical" | "sead_ew" | "on_scene_commander";
export const TaskRole_VALUES: readonly TaskRole[] = ["recovery_vehicle", "linkup_movement", "escort_fires", "isr", "airborne_c2", "ground_security", "medical", "sead_ew", "on_scene_commander"];

export type TaskStatus = "not_started" | "in_progress" | "complete" | "not_applicable";
export const TaskStatus_VALUES: readonly TaskStatus[] = ["not_started", "in_progress", "complete", "not_applicable"];

export type TaskStatusIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  status: TaskStatus;
  remarks?: string;
};

export type TeamMemberIn = {
  role: TeamRole;
  name: string;
};

export type TeamRole = "medical" | "sere_psychologist" | "debriefer" | "chaplain" | "legal" | "public_affairs" | "family_liaison";
export const TeamRole_VALUES: readonly TeamRole[] = ["medical", "sere_psychologist", "debriefer", "chaplain", "legal", "public_affairs", "family_liaison"];

export type TemplateIn = {
  /** The template (Jinja2 text). */
  text: string;
};

export type TemplateOut = {
  kind: MessageKind;
  label: string;
  /** About one incident (give incident_id), else theater-wide. */
  per_incident: boolean;
  /** 0: the default shipped with jprcc. */
  version: number;
  text: string;
  published_by: string;
  published_at: string | null;
  /** The data the template uses. */
  fields: string[];
  /** The data this kind of message may use. */
  data_schema: Record<string, unknown>;
};

export type TestMessageIn = {
  text?: string;
};

export type TestMessageOut = {
  /** How many links the message was queued on. */
  links: number;
};

export type ThreatCategory = "surface_to_air_missile" | "anti_aircraft_artillery" | "manpads" | "small_arms";
export const ThreatCategory_VALUES: readonly ThreatCategory[] = ["surface_to_air_missile", "anti_aircraft_artillery", "manpads", "small_arms"];

export type TimelineEntryOut = {
  seq: number;
  at: string;
  actor: string;
  event_type: string;
  summary: string;
};

export type TokenOut = {
  access_token: string;
  token_type: string;
  expires_at: string;
  username: string;
  role: Role;
  component_id: string | null;
};

export type UnbindIn = {
  remarks?: string;
};

export type UnitReadinessOut = {
  component_id: string;
  unit: string;
  persons: number;
  lacking: PersonReadinessOut[];
};

export type UserCreate = {
  username: string;
  password: string;
  role: Role;
  component_id?: string | null;
  full_name?: string;
};

export type UserOut = {
  username: string;
  role: Role;
  component_id: string | null;
  full_name: string;
  active: boolean;
  /** Wrong passwords since the last login or unlock. */
  failed_logins: number;
  /** Locked after wrong passwords. */
  locked_at?: string | null;
};

export type ValidationError = {
  loc: (string | number)[];
  msg: string;
  type: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
};

/** Whether the answer matched; never the answer, never the stored statement. */
export type VerificationOut = {
  matched: boolean;
  person_id: string;
  authenticated_by: string | null;
  authenticated_at: unknown | null;
};

/** One thing the incident waits for: from whom (``component:JFLCC``, ``jfc``, ``jprcc``), what is asked, by when, and the action that answers it. */
export type WaitingOut = {
  party: string;
  /** The party in words: JFLCC, the JFC, the JPRCC. */
  who: string;
  kind: string;
  action: string;
  asks: string;
  since: string;
  due_at: string | null;
  urgent: boolean;
};

export type WeatherEntry_Input = {
  kind: "weather";
  polygon: Position_Input[];
  ceiling_ft: number | null;
  visibility_m: number | null;
  wind_kt: number | null;
  wind_from_deg?: number | null;
};

export type WeatherEntry_Output = {
  kind: "weather";
  polygon: Position_Output[];
  ceiling_ft: number | null;
  visibility_m: number | null;
  wind_kt: number | null;
  wind_from_deg?: number | null;
};

export type WeightsOut = {
  time: number;
  risk: number;
  disruption: number;
};

export type WithdrawIn = {
  reason: string;
};

export type jprcc__api__views__AlertOut = {
  kind: string;
  incident_id: string;
  title: string;
  due_at: string;
  detail: string;
};

export type jprcc__brokering__schemas__ReleaseIn = {
  /** The incident version you decided on; refused if it changed. */
  expected_version?: number | null;
  person_ids: string[];
  remarks?: string;
};

export type jprcc__core__accounts__schemas__UnlockIn = {
  /** Why the account is unlocked. */
  reason: string;
};

export type jprcc__intel__decision__Approval = "component" | "jprcc" | "jfc";
export const jprcc__intel__decision__Approval_VALUES: readonly jprcc__intel__decision__Approval[] = ["component", "jprcc", "jfc"];

export type jprcc__journey__model__Approval = "pending" | "approved" | "refused";
export const jprcc__journey__model__Approval_VALUES: readonly jprcc__journey__model__Approval[] = ["pending", "approved", "refused"];

export type jprcc__journey__schemas__AcknowledgeIn = {
  remarks?: string;
};

export type jprcc__locate__views__DestinationIn = {
  name: string;
  position: PositionIn;
  /** Relative likelihood of heading there. */
  weight?: number;
};

export type jprcc__publishing__schemas__ImportIn = {
  format: "geojson" | "kml" | "csv";
  /** The file's content. */
  text: string;
};

export type jprcc__publishing__schemas__ReleaseIn = {
  kind: MessageKind;
  incident_id?: string | null;
  /** To whom it goes. */
  recipients: string[];
  /** Longest line of the plain text, in characters. */
  line_length?: number;
};

export type jprcc__records__http__DestinationIn = {
  name: string;
  position: PositionIn;
};

/** A CSV roster (``csv``) or DD Form 1833-shaped forms (``forms``); photos by base64 in forms (``photos: {front: <base64>, side: <base64>}``), none in CSV over the API. */
export type jprcc__records__http__ImportIn = {
  csv?: string | null;
  forms?: Record<string, unknown>[] | null;
  /** Check every row and the store (components known, no record locked); import nothing. */
  check?: boolean;
  /** Records of a bigger import sent before these (and imported, unless checking): refusals count rows from the whole import and say what stayed imported. */
  first?: number;
};

export type jprcc__records__http__UnlockIn = {
  reason: string;
};

export type jprcc__tak__schemas__AcknowledgeIn = {
  remarks?: string;
};

export type jprcc__tak__schemas__AlertOut = {
  alert_id: string;
  uid: string;
  kind: string;
  kind_label: string;
  /** A 911 or ring-the-bell: someone may be isolated (the banner). */
  isolating: boolean;
  status: string;
  callsign: string;
  binding: BindingOut | null;
  position: PositionOut | null;
  ce_m: number | null;
  reported_at: string;
  received_at: string;
  last_heard_at: string | null;
  repeats: number;
  acknowledged_by: string;
  acknowledged_at: string | null;
  cancelled_by_device: boolean;
  cancelled_at: string | null;
  incident_id: string | null;
  incident_created: boolean;
  decided_by: string;
  decided_at: string | null;
  remarks: string;
  details: [string, string][];
  /** An open incident the bound person is already in: confirming joins it by default. */
  suggested_incident: string | null;
  allowed_actions: string[];
};
