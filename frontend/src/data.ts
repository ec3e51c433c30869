// Loading what the screens show, and keeping it live from the feed.
import { api, ApiError } from "./api";
import type { Assessment, Board, BoardRow, Component, FeedEvent, Inbox, Incident, IntelLayer, MapIncident, MapPicture, Me, OptionSet, TimelineEntry } from "./api";
import type { BoardSort, jprcc__tak__schemas__AlertOut as TakAlert } from "./schema";
import { state, update } from "./store";
import { takAlertText } from "./views/takview";

/** What the board asks the server for: a search (``q``), filters and an order. */
export interface BoardFilters {
  q: string; component: string; duty_status: string; task: string; stage: string;
  overdue: boolean; mine: boolean; sort: BoardSort;
}
export const filters: BoardFilters = {
  q: "", component: "", duty_status: "", task: "", stage: "", overdue: false, mine: false, sort: "priority",
};

/** Cards asked for at once (the server's most): the page says how many it shows of how many. */
const BOARD_PAGE = 2000;
/** The latest board question asked: an answer to an earlier one, arriving late, is dropped. */
let boardAsked = 0;

/** The board as the filters ask. ``first``: its first page (the filters changed); ``more``: the
 * next page after the cards held; ``again`` (a frame, a refresh): as many cards as held. */
export async function loadBoard(how: "again" | "first" | "more" = "again"): Promise<void> {
  const asked = ++boardAsked;
  const held = state.board?.rows ?? [];
  const from = how === "more" ? held.length : 0;
  const upTo = how === "again" ? Math.max(held.length, BOARD_PAGE) : from + BOARD_PAGE;
  const query = new URLSearchParams({ limit: String(BOARD_PAGE), sort: filters.sort });
  if (filters.q.trim()) query.set("q", filters.q.trim());
  for (const key of ["component", "duty_status", "task", "stage"] as const) if (filters[key]) query.set(key, filters[key]);
  if (filters.overdue) query.set("overdue_only", "true");
  if (filters.mine) query.set("mine", "true");
  const rows = new Map((how === "more" ? held : []).map((r) => [r.incident_id, r]));
  let board: Board | null = null;
  for (let offset = from; offset < upTo; offset += BOARD_PAGE) {
    query.set("offset", String(offset));
    board = await api.get<Board>(`/api/incidents?${query}`);
    if (asked !== boardAsked) return; // a later question's answer will be shown
    for (const r of board.rows) rows.set(r.incident_id, r);
    if (board.rows.length < BOARD_PAGE) break;
  }
  if (board) update({ board: { ...board, rows: [...rows.values()] } });
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

/** What waits for this user now. A new urgent item raises the banner and the tone; an item that
 * is done takes its alert off the banner. */
export async function loadInbox(): Promise<void> {
  const inbox = await api.get<Inbox>("/api/inbox");
  // an item that turns urgent (the last of the answers came in) is news too
  const before = new Set((state.inbox?.items ?? []).filter((i) => i.urgent).map(itemKey));
  const now = new Set(inbox.items.map(itemKey));
  const first = state.inbox === null;
  const alerts = state.alerts.filter((a) => a.kind !== "turn" || now.has(a.key));
  const fresh = inbox.items.filter((i) => i.urgent && !before.has(itemKey(i)) && !first && !alerts.some((a) => a.key === itemKey(i)));
  for (const item of fresh) {
    alerts.push({
      key: itemKey(item), kind: "turn", incident_id: item.incident_id, at: item.since, action: item.action,
      text: `YOUR TURN — ${item.incident_id} ${item.title} · ${item.position.mgrs} — ${item.asks}`,
      lat: item.position.lat, lon: item.position.lon,
    });
  }
  update({ inbox, alerts });
  if (fresh.length) sound();
}

/** What a frame does to this user's inbox. When the incident now waits on them, or its check-in
 * fell overdue on their desk, the inbox is read again (one request); when it no longer waits on
 * them, its items are taken off here and now; a frame about anything else costs nothing. */
function applyToInbox(event: FeedEvent): void {
  const mine = state.inbox?.parties ?? []; // as the server reads them
  if (!mine.length || !event.incident_id || event.waiting_on === undefined) return;
  const row = event.board_row;
  const overdueHere = Boolean(row?.overdue && (mine[0] === "jprcc" || row.owning_component === state.me?.component_id
    || row.supported_component === state.me?.component_id));
  const items = state.inbox?.items ?? [];
  const had = items.filter((i) => i.incident_id === event.incident_id);
  if (event.waiting_on.some((p) => mine.includes(p)) || (overdueHere && !had.some((i) => i.kind === "overdue"))) {
    later("inbox", loadInbox);
    return;
  }
  if (!had.length) return;
  const keep = items.filter((i) => i.incident_id !== event.incident_id || (i.kind === "overdue" && overdueHere));
  const gone = new Set(items.filter((i) => !keep.includes(i)).map(itemKey));
  update({
    inbox: { ...state.inbox!, items: keep, urgent: keep.filter((i) => i.urgent).length },
    alerts: state.alerts.filter((a) => !gone.has(a.key)),
  });
}

const itemKey = (i: { incident_id: string; kind: string }) => `turn:${i.incident_id}:${i.kind}`;

export async function refreshAll(): Promise<void> {
  const current = currentIncidentId();
  const results = await Promise.allSettled([
    loadBoard(), loadPicture(), loadInbox(), loadTakAlerts(), current ? loadIncident(current) : undefined,
  ]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  update({ error: failed ? `could not refresh: ${failed.reason instanceof ApiError ? failed.reason.problem.message : String(failed.reason)}` : state.error });
}

export function currentIncidentId(): string | null {
  const m = state.route.match(/^#\/incident\/([^?]+)/);
  return m ? decodeURIComponent(m[1]) : null;
}

/** The form an inbox item asked to open with the incident page (``#/incident/PR-0042?do=answer_poll``). */
export function requestedAction(): string | null {
  const m = state.route.match(/^#\/incident\/[^?]+\?do=([a-z_]+)$/);
  return m ? m[1] : null;
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
/** The last frame this page took: a reconnect resumes after it, so nothing is missed. */
let lastSeq = 0;
/** Frames taken since the connection came back, counted for the "caught up on" line. */
let catchUp: { lost: number; frames: number; incidents: Set<string> } | null = null;

/** Listen to the live feed; after a drop, say so at once, reconnect with back-off resuming after
 * the last frame seen, catch up, and say what was caught up on; when the session is gone, hand
 * back to the login screen. */
export function connectFeed(onEnded: () => void): void {
  source?.close();
  window.clearTimeout(retryTimer);
  source = new EventSource(lastSeq ? `/api/feed?after=${lastSeq}` : "/api/feed");
  source.onopen = () => {
    feedOpen = true;
    document.documentElement.dataset.feed = "open";
    if (state.connection.state !== "live") reconnected();
    retry = 0;
  };
  source.onmessage = (message: MessageEvent) => {
    const event = JSON.parse(message.data) as FeedEvent;
    lastSeq = Math.max(lastSeq, event.seq);
    if (catchUp) {
      catchUp.frames += 1;
      if (event.incident_id) catchUp.incidents.add(event.incident_id);
    }
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
    if (state.connection.state === "live") update({ connection: { state: "reconnecting", since: Date.now(), caughtUp: "" } });
    if (source?.readyState !== EventSource.CLOSED) return; // the browser is retrying by itself
    retry = Math.min(retry + 1, 6);
    retryTimer = window.setTimeout(async () => {
      if (await loadSession().catch(() => true)) connectFeed(onEnded);
      else onEnded();
    }, 500 * 2 ** retry);
  };
}

/** Back after a drop: refresh what frames do not carry, then say for how long it was lost and
 * what the page caught up on. */
function reconnected(): void {
  const lost = Date.now() - state.connection.since;
  catchUp = { lost, frames: 0, incidents: new Set() };
  void refreshAll();
  window.setTimeout(() => {
    if (!catchUp) return;
    const { frames, incidents } = catchUp;
    catchUp = null;
    const about = incidents.size ? ` on ${[...incidents].slice(0, 6).join(", ")}${incidents.size > 6 ? ` and ${incidents.size - 6} more` : ""}` : "";
    const line = `Connection back after ${Math.max(1, Math.round(lost / 1000))} s: caught up on ${frames} event${frames === 1 ? "" : "s"}${about}.`;
    update({ connection: { state: "live", since: Date.now(), caughtUp: line } });
  }, 1500);
}

/** Forget the last user's board search and filters (a log out, a session ended). */
export function clearFilters(): void {
  Object.assign(filters, { q: "", component: "", duty_status: "", task: "", stage: "", overdue: false, mine: false, sort: "priority" });
}

export function disconnectFeed(): void {
  source?.close();
  source = null;
  feedOpen = false;
  document.documentElement.dataset.feed = "closed";
  window.clearTimeout(retryTimer);
  lastSeq = 0;
  clearFilters();
  update({ alerts: [] });
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
  applyToInbox(event);
  const shown = currentIncidentId();
  if (event.incident_id) {
    if (event.incident_id !== shown) return;
    addToTimeline(event);
    wanted = Math.max(wanted, event.stream_version);
    if (!state.incident || wanted > state.incident.version) later("incident", () => loadIncidentOnly(shown!));
    return;
  }
  if (event.stream_id.startsWith("device:")) {
    update({ takTick: state.takTick + 1 });
    const id = /TAK-[0-9A-F]{10}/.exec(event.summary)?.[0];
    if ((event.type === "tak_alert_received" || event.type === "tak_alert_cancelled_by_device") && id) void raiseTak(id);
    return;
  }
  if (event.stream_id.startsWith("layer:") || event.stream_id === "decision_matrix") later("picture", loadPicture);
  else if (/^(asset|component|operation|recovery_point):/.test(event.stream_id)) later("picture", loadPicture);
}

const timers: Record<string, number> = {};
/** The newest version of the open incident the feed has told of. */
let wanted = 0;

/** Whether the feed has told of a newer version of the open incident than the one on screen (its
 * request is under way). A form asked for from the banner waits for it: the banner's turn and the
 * incident are read by separate requests, and a decision carries the version its author saw. */
export function incidentBehind(i: Incident): boolean {
  return currentIncidentId() === i.incident_id && i.version < wanted;
}

/** Bursts of frames (an approval writes several events) cost one request. */
function later(key: string, load: () => Promise<void>): void {
  // at most one wait per kind: a steady stream of frames cannot hold the load off for ever
  if (timers[key]) return;
  timers[key] = window.setTimeout(() => {
    timers[key] = 0;
    void load().catch(() => undefined);
  }, 150);
}

/** Whether a frame's card is the server's to place: a search or a filter is on (the server
 * applies them), or the board holds only some of its cards (its counts cover cards not held). */
function filtered(): boolean {
  const board = state.board;
  return Boolean(filters.q.trim() || filters.component || filters.duty_status || filters.task || filters.stage
    || filters.overdue || filters.mine) || (board !== null && board.rows.length < board.total);
}

function placeOnBoard(row: BoardRow): void {
  const open = row.stage !== "closed";
  if (state.board) {
    if (filtered()) {
      later("board", loadBoard); // the server searches, filters and counts
    } else {
      const rows = state.board.rows.filter((r) => r.incident_id !== row.incident_id);
      if (open) rows.push(row);
      rows.sort(boardOrder);
      const counts: Record<string, number> = {};
      for (const r of rows) counts[r.stage] = (counts[r.stage] ?? 0) + 1;
      const overdue = rows.filter((r) => r.overdue).length;
      update({ board: { rows, total: rows.length, open_total: rows.length, counts, overdue } });
    }
  }
  if (state.picture) {
    const incidents = state.picture.incidents.filter((i) => i.incident_id !== row.incident_id);
    if (open) incidents.push(onMap(row));
    update({ picture: { ...state.picture, incidents } });
  }
}

/** The board's order, as the server sorts (``BoardSort``), ending on the incident id. */
function boardOrder(a: BoardRow, b: BoardRow): number {
  const due = (r: BoardRow) => (r.overdue_at ? Date.parse(r.overdue_at) : Infinity);
  const newest = b.reported_at.localeCompare(a.reported_at);
  const order: Record<BoardSort, () => number> = {
    priority: () => Number(b.overdue) - Number(a.overdue) || a.priority - b.priority || newest,
    newest: () => newest,
    oldest: () => -newest,
    check_in_due: () => (due(a) === due(b) ? 0 : due(a) < due(b) ? -1 : 1),
    last_update: () => b.last_update_at.localeCompare(a.last_update_at),
  };
  return order[filters.sort]() || (a.incident_id < b.incident_id ? -1 : a.incident_id > b.incident_id ? 1 : 0);
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

/** An alert names the incident as it is said on a net (its id, its title) and where it is. */
function raise(kind: "incident" | "overdue", event: FeedEvent): void {
  const row = event.board_row;
  const name = [event.incident_id, row?.title, row?.position.mgrs].filter(Boolean).join(" · ");
  const text = kind === "incident" ? `NEW ISOLATING EVENT — ${name}` : `ALERT — ${name} — ${event.summary}`;
  const alert = {
    key: `${event.seq}`, kind, incident_id: event.incident_id, text, at: event.at, action: null,
    lat: row?.position.lat ?? null, lon: row?.position.lon ?? null,
  };
  update({ alerts: [...state.alerts, alert] });
  if (alert.lat !== null && alert.lon !== null) flyTo?.(alert.lat, alert.lon);
  sound();
}

/** A TAK alert on the banner, at once: what, from whom, bound to whom, where in MGRS; it opens the
 * TAK screen, where it is taken in two steps. */
async function raiseTak(alertId: string): Promise<void> {
  const a = await api.get<TakAlert>(`/api/tak/alerts/${alertId}`);
  const cancelled = a.cancelled_by_device && a.status !== "dismissed";
  const key = `tak:${alertId}${cancelled ? ":cancel" : ""}`;
  if ((a.status !== "received" && !cancelled) || state.alerts.some((x) => x.key === key)) return;
  const text = cancelled
    ? `TAK CANCEL from the device — ${a.callsign}, alert ${alertId}${a.incident_id ? `, incident ${a.incident_id}` : ""}: a human must close it`
    : takAlertText(a);
  const alert = {
    key, kind: "tak" as const, incident_id: null, text, at: a.cancelled_at ?? a.received_at, action: null,
    lat: a.position?.lat ?? null, lon: a.position?.lon ?? null, href: `#/tak/alert/${alertId}`, mgrs: a.position?.mgrs ?? "",
  };
  update({ alerts: [...state.alerts, alert] });
  sound();
}

/** The TAK alerts still waiting for someone to take them (a page opened after they came in). */
export async function loadTakAlerts(): Promise<void> {
  const open = await api.get<TakAlert[]>("/api/tak/alerts");
  for (const a of open.filter((x) => x.status === "received" || x.cancelled_by_device).reverse()) await raiseTak(a.alert_id);
}

/** The map's own way to show an event (set by the map view), so that the feed needs no map. */
let flyTo: ((lat: number, lon: number) => void) | null = null;
export function onAlertFlyTo(fly: (lat: number, lon: number) => void): void {
  flyTo = fly;
}

/** Silence the tone; the alerts stay listed until each is handled. */
export function acknowledge(): void {
  update({ silenced: true });
  window.clearInterval(chime);
  chime = 0;
}

/** One alert handled: off the banner. */
export function dismiss(key: string): void {
  const alerts = state.alerts.filter((a) => a.key !== key);
  update({ alerts });
  if (!alerts.length) acknowledge();
}

function sound(): void {
  update({ silenced: false });
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
