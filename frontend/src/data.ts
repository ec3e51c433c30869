// Loading what the screens show, and keeping it live from the feed.
import { api, ApiError } from "./api";
import type { Assessment, Board, Component, FeedEvent, Incident, IntelLayer, MapPicture, Me, OptionSet, TimelineEntry } from "./api";
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

/** The recovery options of an incident under the JPRCC's weights; TACON options only when asked. */
export async function loadOptions(
  id: string, weights: { time: number; risk: number; disruption: number }, tacon: boolean,
): Promise<OptionSet> {
  const query = new URLSearchParams({
    w_time: String(weights.time), w_risk: String(weights.risk), w_disruption: String(weights.disruption), tacon: String(tacon),
  });
  const options = await api.get<OptionSet>(`/api/incidents/${encodeURIComponent(id)}/options?${query}`);
  update({ options, shownOption: options.options[0]?.option_id ?? null });
  return options;
}

export async function loadIncident(id: string): Promise<void> {
  try {
    const [incident, timeline] = await Promise.all([
      api.get<Incident>(`/api/incidents/${encodeURIComponent(id)}`),
      api.get<TimelineEntry[]>(`/api/incidents/${encodeURIComponent(id)}/timeline`),
    ]);
    if (currentIncidentId() === id) update({ incident, timeline, error: "" }); // a late answer for another page is dropped
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
let refreshTimer = 0;
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
    scheduleRefresh();
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

function scheduleRefresh(): void {
  window.clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(() => void refreshAll().catch(() => undefined), 250);
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
