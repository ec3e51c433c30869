// Loading what the screens show, and keeping it live from the feed.
import { api, ApiError } from "./api";
import type { Assessment, Board, BoardRow, Component, FeedEvent, Incident, IntelLayer, MapIncident, MapPicture, Me, OptionSet, TimelineEntry } from "./api";
import { state, update } from "./store";

export interface BoardFilters { component: string; duty_status: string; task: string; }
export const filters: BoardFilters = { component: "", duty_status: "", task: "" };

export async function loadBoard(): Promise<void> {
  const query = new URLSearchParams({ limit: "500" });
  if (filters.component) query.set("component", filters.component);
  if (filters.duty_status) query.set("duty_status", filters.duty_status);
  if (filters.task) query.set("task", filters.task);
  update({ board: await api.get<Board>(`/api/incidents?${query}`) });
}

export async function loadPicture(): Promise<void> {
  const [picture, layers] = await Promise.all([
    api.get<MapPicture>("/api/map"),
    api.get<IntelLayer[]>("/api/intel/layers?in_force=true"),
  ]);
  update({ picture, layers });
}

/** The matrix's assessment of an incident for one way of moving; the map then draws its best route. */
export async function loadAssessment(id: string, mode: string): Promise<Assessment> {
  const assessment = await api.get<Assessment>(
    `/api/incidents/${encodeURIComponent(id)}/assessment?mode=${encodeURIComponent(mode)}`);
  update({ assessment });
  return assessment;
}

/** The planner's restrictions on the options: whose assets, which methods and assets not, a risk
 * ceiling and a latest pickup (UTC, "YYYY-MM-DDTHH:MM"). */
export interface Restrictions { scope: "polled" | "all"; methods: string[]; assets: string; maxRisk: string; latestPickup: string; }
export const NO_RESTRICTIONS: Restrictions = { scope: "polled", methods: [], assets: "", maxRisk: "", latestPickup: "" };

/** The query of the options and of the nomination made from one: the same weights and restrictions. */
export function optionsQuery(
  weights: { time: number; risk: number; disruption: number }, tacon: boolean, r: Restrictions = NO_RESTRICTIONS,
): URLSearchParams {
  const query = new URLSearchParams({
    w_time: String(weights.time), w_risk: String(weights.risk), w_disruption: String(weights.disruption), tacon: String(tacon),
    scope: r.scope,
  });
  for (const m of r.methods) query.append("exclude_method", m);
  for (const a of r.assets.split(/[\s,]+/).filter(Boolean)) query.append("exclude_asset", a.toUpperCase());
  if (r.maxRisk.trim()) query.set("max_risk", r.maxRisk.trim());
  if (r.latestPickup) query.set("latest_pickup", `${r.latestPickup}:00Z`);
  return query;
}

/** The recovery options of an incident under the JPRCC's weights and restrictions; TACON options only when asked. */
export async function loadOptions(
  id: string, weights: { time: number; risk: number; disruption: number }, tacon: boolean, r: Restrictions = NO_RESTRICTIONS,
): Promise<OptionSet> {
  const query = optionsQuery(weights, tacon, r);
  const options = await api.get<OptionSet>(`/api/incidents/${encodeURIComponent(id)}/options?${query}`);
  update({ options, shownOption: options.options[0]?.option_id ?? null });
  return options;
}

export async function loadIncident(id: string): Promise<void> {
  wanted = 0;
  try {
    const [incident, timeline] = await Promise.all([
      api.get<Incident>(`/api/incidents/${encodeURIComponent(id)}`),
      api.get<TimelineEntry[]>(`/api/incidents/${encodeURIComponent(id)}/timeline`),
    ]);
    if (currentIncidentId() === id) { // a late answer for another page is dropped
      const known = new Set(timeline.map((e) => e.seq));
      const merged = [...timeline, ...state.timeline.filter((e) => !known.has(e.seq) && e.seq > 0)];
      update({ incident, timeline: merged.sort((a, b) => a.seq - b.seq), error: "" });
    }
  } catch (error) {
    if (currentIncidentId() === id) {
      update({ incident: null, timeline: [], error: error instanceof ApiError ? error.problem.message : String(error) });
    }
  }
}

export async function loadSession(): Promise<boolean> {
  try {
    const me = await api.get<Me>("/api/me");
    const components = await api.get<Component[]>("/api/components");
    update({ me, components });
    return true;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return false;
    throw error;
  }
}

export async function refreshAll(): Promise<void> {
  const current = currentIncidentId();
  const results = await Promise.allSettled([loadBoard(), loadPicture(), current ? loadIncident(current) : undefined]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  update({ error: failed ? `could not refresh: ${failed.reason instanceof ApiError ? failed.reason.problem.message : String(failed.reason)}` : state.error });
}

export function currentIncidentId(): string | null {
  const m = state.route.match(/^#\/incident\/(.+)$/);
  return m ? decodeURIComponent(m[1]) : null;
}

// --- the live feed ----------------------------------------------------------------------------

let source: EventSource | null = null;
let chime = 0;

const ALARMING: Record<string, "incident" | "overdue"> = {
  incident_reported: "incident",
  incident_overdue: "overdue",
  dustwun_redesignation_due: "overdue",
};

let retry = 0;
let retryTimer = 0;
export let feedOpen = false;

/** Listen to the live feed; after a drop, reconnect with back-off (resuming from the last event
 * seen) and catch up; when the session is gone, hand back to the login screen. */
export function connectFeed(onEnded: () => void): void {
  source?.close();
  window.clearTimeout(retryTimer);
  source = new EventSource("/api/feed");
  source.onopen = () => {
    feedOpen = true;
    document.documentElement.dataset.feed = "open";
    if (retry) void refreshAll();
    retry = 0;
  };
  source.onmessage = (message: MessageEvent) => {
    const event = JSON.parse(message.data) as FeedEvent;
    update({ feed: [event, ...state.feed].slice(0, 50) });
    const kind = ALARMING[event.type];
    if (kind && event.actor !== state.me?.username) raise(kind, event);
    applyFrame(event);
  };
  source.addEventListener("session_ended", () => {
    disconnectFeed();
    onEnded();
  });
  source.onerror = () => {
    feedOpen = false;
    document.documentElement.dataset.feed = "reconnecting";
    if (source?.readyState !== EventSource.CLOSED) return; // the browser is retrying by itself
    retry = Math.min(retry + 1, 6);
    retryTimer = window.setTimeout(async () => {
      if (await loadSession().catch(() => true)) connectFeed(onEnded);
      else onEnded();
    }, 500 * 2 ** retry);
  };
}

export function disconnectFeed(): void {
  source?.close();
  source = null;
  feedOpen = false;
  document.documentElement.dataset.feed = "closed";
  window.clearTimeout(retryTimer);
  acknowledge();
}

// --- what a frame changes, and only that ---------------------------------------------------------

/** A frame updates what it concerns: the incident's board card and map symbol from the row it
 * carries (no request), the open incident's timeline from its line (no request) and, when the
 * incident moved past the version on screen, the incident itself (one request). Theater and
 * intelligence frames refresh the map's picture. A frame about an incident not on screen costs
 * nothing. */
export function applyFrame(event: FeedEvent): void {
  if (event.board_row) placeOnBoard(event.board_row);
  const shown = currentIncidentId();
  if (event.incident_id) {
    if (event.incident_id !== shown) return;
    addToTimeline(event);
    wanted = Math.max(wanted, event.stream_version);
    if (!state.incident || wanted > state.incident.version) later("incident", () => loadIncidentOnly(shown!));
    return;
  }
  if (event.stream_id.startsWith("layer:") || event.stream_id === "decision_matrix") later("picture", loadPicture);
  else if (/^(asset|component|operation|recovery_point):/.test(event.stream_id)) later("picture", loadPicture);
}

const timers: Record<string, number> = {};
/** The newest version of the open incident the feed has told of. */
let wanted = 0;

/** Bursts of frames (an approval writes several events) cost one request. */
function later(key: string, load: () => Promise<void>): void {
  window.clearTimeout(timers[key]);
  timers[key] = window.setTimeout(() => void load().catch(() => undefined), 150);
}

function filtered(): boolean {
  return Boolean(filters.component || filters.duty_status || filters.task);
}

function placeOnBoard(row: BoardRow): void {
  const open = row.stage !== "closed";
  if (state.board) {
    if (filtered()) {
      later("board", loadBoard); // the filters are the server's to apply
    } else {
      const rows = state.board.rows.filter((r) => r.incident_id !== row.incident_id);
      if (open) rows.push(row);
      rows.sort(boardOrder);
      const counts: Record<string, number> = {};
      for (const r of rows) counts[r.stage] = (counts[r.stage] ?? 0) + 1;
      update({ board: { rows, total: rows.length, counts, overdue: rows.filter((r) => r.overdue).length } });
    }
  }
  if (state.picture) {
    const incidents = state.picture.incidents.filter((i) => i.incident_id !== row.incident_id);
    if (open) incidents.push(onMap(row));
    update({ picture: { ...state.picture, incidents } });
  }
}

/** The board's order: overdue first, then by priority, then the newest. */
function boardOrder(a: BoardRow, b: BoardRow): number {
  return Number(b.overdue) - Number(a.overdue) || a.priority - b.priority || b.reported_at.localeCompare(a.reported_at);
}

function onMap(row: BoardRow): MapIncident {
  return {
    incident_id: row.incident_id, title: row.title, stage: row.stage, owning_component: row.owning_component,
    priority: row.priority, lat: row.position.lat, lon: row.position.lon, uncertainty_m: row.uncertainty_m,
    persons_count: row.persons_count, duty_statuses: row.duty_statuses, overdue: row.overdue,
  };
}

function addToTimeline(event: FeedEvent): void {
  if (state.timeline.some((e) => e.seq === event.seq)) return;
  const entry: TimelineEntry = { seq: event.seq, at: event.at, actor: event.actor, event_type: event.type, summary: event.summary };
  update({ timeline: [...state.timeline, entry].sort((a, b) => a.seq - b.seq) });
}

/** A write's answer is the incident as it now stands: the page takes it and asks nothing more. */
export function takeIncident(answer: unknown): void {
  const incident = answer as Incident | undefined;
  if (!incident || typeof incident !== "object" || !("version" in incident) || !("persons" in incident)) return;
  if (currentIncidentId() !== incident.incident_id) return;
  if (state.incident && state.incident.incident_id === incident.incident_id && state.incident.version > incident.version) return;
  update({ incident, error: "" });
}

async function loadIncidentOnly(id: string): Promise<void> {
  if (currentIncidentId() !== id || (state.incident?.incident_id === id && state.incident.version >= wanted)) return;
  const incident = await api.get<Incident>(`/api/incidents/${encodeURIComponent(id)}`);
  if (currentIncidentId() === id && (!state.incident || incident.version >= state.incident.version)) update({ incident });
}

function raise(kind: "incident" | "overdue", event: FeedEvent): void {
  const text = kind === "incident" ? `NEW ISOLATING EVENT — ${event.summary}` : `ALERT — ${event.summary}`;
  update({ alerts: [...state.alerts, { key: `${event.seq}`, kind, incident_id: event.incident_id, text, at: event.at }] });
  startChime();
}

export function acknowledge(): void {
  update({ alerts: [] });
  window.clearInterval(chime);
  chime = 0;
}

function startChime(): void {
  if (chime) return;
  beep();
  chime = window.setInterval(beep, 4000);
}

let audio: AudioContext | null = null;

/** Two short tones, made here: no sound file, nothing fetched. */
function beep(): void {
  try {
    audio = audio ?? new AudioContext();
    const now = audio.currentTime;
    for (const [offset, pitch] of [[0, 880], [0.25, 660]] as const) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = pitch;
      gain.gain.setValueAtTime(0.2, now + offset);
      gain.gain.exponentialRampToValueAtTime(0.001, now + offset + 0.2);
      osc.connect(gain).connect(audio.destination);
      osc.start(now + offset);
      osc.stop(now + offset + 0.22);
    }
  } catch {
    // no audio device (or not yet allowed by the browser): the banner still stands
  }
}
