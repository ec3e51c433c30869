// The page's state in one place; components re-render when it changes.
import { useEffect, useState } from "preact/hooks";
import type { Assessment, Board, Component, Config, FeedEvent, Inbox, Incident, IntelLayer, Locate, MapPicture, Me, OptionSet, SearchPlan, TimelineEntry } from "./api";

/** An alert on the banner: it stays listed until it is handled (dismissed, or its inbox item is
 * done); acknowledging silences the tone only. */
export interface Alert {
  key: string; kind: "incident" | "overdue" | "turn" | "tak"; incident_id: string | null; text: string; at: string;
  lat: number | null; lon: number | null; action: string | null;
  /** a TAK alert: where it is taken (its two steps), and its position in MGRS */
  href?: string; mgrs?: string;
}

/** The live feed as the user should read the screen: live, or figures that may be out of date. */
export interface Connection { state: "live" | "reconnecting"; since: number; caughtUp: string; }

/** The Locate panel: the search picture shown, the map time, a proposal; forgotten at log out. */
export interface LocateState {
  incidentId: string | null;
  /** who loaded it: nothing is shown to the next user of the browser */
  user: string | null;
  result: Locate | null;
  /** the incident has no search model yet (the server answered 422 on "model") */
  missing: boolean;
  error: string;
  errorField: string | null;
  /** the map time chosen on the slider; null: now */
  at: string | null;
  loading: boolean;
  /** a proposed plan (not recorded), drawn in its own style, and what it was proposed on */
  proposal: SearchPlan | null;
  proposalBasis: string;
  /** why a proposal was taken down without being adopted */
  proposalDropped: string;
  /** the layers on the main map, and a fit to the map's bounds when it opens next */
  onMainMap: boolean;
  fitMainMap: boolean;
}

export interface State {
  config: Config | null;
  me: Me | null;
  components: Component[];
  board: Board | null;
  picture: MapPicture | null;
  /** threat, civil, PSYOP and weather layers in force */
  layers: IntelLayer[];
  /** the last assessment asked for, with the route the map draws */
  assessment: Assessment | null;
  /** the recovery options last generated, and the one whose routes the map draws */
  options: OptionSet | null;
  shownOption: string | null;
  incident: Incident | null;
  timeline: TimelineEntry[];
  alerts: Alert[];
  /** the tone was silenced for the alerts listed */
  silenced: boolean;
  /** what waits for this user now (the header's count, the inbox screen) */
  inbox: Inbox | null;
  connection: Connection;
  feed: FeedEvent[];
  route: string;
  /** an open action form, with the incident as it stood when the form was opened */
  modal: { action: string; incident: Incident | null } | null;
  error: string;
  theme: "dark" | "light";
  locate: LocateState;
  /** bumped by every TAK device frame: the TAK screen reads again */
  takTick: number;
}

function fresh(): State {
  return {
    config: null, me: null, components: [], board: null, picture: null, layers: [], assessment: null, options: null, shownOption: null, incident: null, timeline: [],
    alerts: [], silenced: false, inbox: null, connection: { state: "live", since: Date.now(), caughtUp: "" }, feed: [], route: location.hash || "#/map", modal: null, error: "",
    theme: (localStorage.getItem("jprcc-theme") as "dark" | "light") || "dark", takTick: 0,
    locate: {
      incidentId: null, user: null, result: null, missing: false, error: "", errorField: null, at: null, loading: false,
      proposal: null, proposalBasis: "", proposalDropped: "", onMainMap: true, fitMainMap: false,
    },
  };
}

export const state: State = fresh();

/** Forget everything the last user saw (logout, session ended), keeping only the node's config. */
export function reset(): void {
  update({ ...fresh(), config: state.config });
}

const listeners = new Set<() => void>();

export function update(changes: Partial<State>): void {
  Object.assign(state, changes);
  for (const listener of listeners) listener();
}

export function useStore(): State {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((t) => t + 1);
    listeners.add(listener);
    return () => { listeners.delete(listener); };
  }, []);
  return state;
}
