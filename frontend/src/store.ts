// The page's state in one place; components re-render when it changes.
import { useEffect, useState } from "preact/hooks";
import type { Assessment, Board, Component, Config, FeedEvent, Incident, IntelLayer, MapPicture, Me, OptionSet, TimelineEntry } from "./api";

export interface Alert { key: string; kind: "incident" | "overdue"; incident_id: string | null; text: string; at: string; }

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
  feed: FeedEvent[];
  route: string;
  /** an open action form, with the incident as it stood when the form was opened */
  modal: { action: string; incident: Incident | null } | null;
  error: string;
  theme: "dark" | "light";
}

function fresh(): State {
  return {
    config: null, me: null, components: [], board: null, picture: null, layers: [], assessment: null, options: null, shownOption: null, incident: null, timeline: [],
    alerts: [], feed: [], route: location.hash || "#/map", modal: null, error: "",
    theme: (localStorage.getItem("jprcc-theme") as "dark" | "light") || "dark",
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
