// The node's time, as the page keeps it. On a real node it is the wall clock; in an exercise it is
// scenario time, which starts at the scenario's date and may run faster than real time or stand
// still. Every clock the page shows or counts down from (DUSTWUN, poll deadlines, "due in", the
// times a form proposes) reads `nodeNow()`, never the browser's own date.
import type { Config } from "./api";

let base = { node: Date.now(), local: Date.now(), speed: 1 };

/** Take the node's clock from its config answer (`clock.now`, `clock.speed`). */
export function setClock(config: Config | null | undefined): void {
  const c = config?.clock;
  if (!c) return;
  const node = Date.parse(c.now);
  if (Number.isNaN(node)) return;
  base = { node, local: Date.now(), speed: c.speed };
}

/** The node's time now, in milliseconds since the epoch. */
export function nodeNow(): number {
  return base.node + (Date.now() - base.local) * base.speed;
}

/** The node's time now, as a Date. */
export function nodeDate(): Date {
  return new Date(nodeNow());
}
