// The page's state in one place; components re-render when it changes.
import { useEffect, useState } from "preact/hooks";
import type { Board, Component, Config, FeedEvent, Incident, MapPicture, Me, TimelineEntry } from "./api";

export interface Alert { key: string; kind: "incident" | "overdue"; incident_id: string | null; text: string; at: string; }

export interface State {
  config: Config | null;
  me: Me | null;
  components: Component[];
  board: Board | null;
  picture: MapPicture | null;
  incident: Incident | null;
  timeline: TimelineEntry[];
  alerts: Alert[];
  feed: FeedEvent[];
  route: string;
  modal: { action: string; incidentId: string | null } | null;
  theme: "dark" | "light";
}

export const state: State = {
  config: null, me: null, components: [], board: null, picture: null, incident: null, timeline: [],
  alerts: [], feed: [], route: location.hash || "#/map", modal: null,
  theme: (localStorage.getItem("jprcc-theme") as "dark" | "light") || "dark",
};

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
