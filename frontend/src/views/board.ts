// The incident board: a column per stage of the brokering flow, a card per open incident. At
// 10,000 incidents the server searches, filters, sorts and pages; each column draws only the
// cards in its view, and says how many it holds.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { BoardRow } from "../api";
import "../board.css";
import { filters, loadBoard } from "../data";
import { DUTY_STATUSES, dtg, label, span, STAGES, TASKS } from "../format";
import { BoardSort_VALUES, type BoardSort } from "../schema";
import { update, useStore } from "../store";
import { nodeNow } from "../time";

/** Every card is this tall (px, with the gap below it), so that a column knows where each card
 * lies without drawing it: only the cards in view, and a few either side, are in the page. */
export const CARD_STEP = 88;
/** Cards drawn above and below a column's view, so that a quick scroll shows no blank. */
const OVERSCAN = 3;
/** How long the search waits after the last key before asking the server (ms). */
const SEARCH_DELAY_MS = 300;
/** How often the cards' check-in countdowns are redrawn (ms). */
const TICK_MS = 5000;
/** A check-in turns amber when less than this remains (ms), or less than a quarter of its
 * interval when that is shorter: the last 15 minutes of an hour, the last 5 of 20 minutes. */
const AMBER_MS = 15 * 60_000;

const SORTS: Record<BoardSort, string> = {
  priority: "overdue, priority",
  newest: "newest",
  oldest: "oldest",
  check_in_due: "check-in due",
  last_update: "last update",
};
/** A column with no cards loaded is narrower, leaving the room to those with cards (fr units). */
const EMPTY_COLUMN = 0.6;

const number = (n: number) => n.toLocaleString("en-US");

/** The card's check-in clock: how long until the next check-in falls due, or how long it is
 * overdue; amber in its last quarter (at most 15 min), red once overdue. */
function checkIn(r: BoardRow, now: number): VNode | null {
  if (!r.overdue_at) return null;
  const left = Date.parse(r.overdue_at) - now;
  const title = `check-in due at ${dtg(r.overdue_at)} (every ${span(r.check_in_interval_s * 1000)})`;
  if (left <= 0) {
    return html`<div class="check-in over" data-check-in="over" title=${title}>
      <b><span class="check-in-word">CHECK-IN </span>OVERDUE</b> ${span(left)}</div>`;
  }
  const level = left < Math.min(AMBER_MS, (r.check_in_interval_s * 1000) / 4) ? "soon" : "ok";
  return html`<div class=${`check-in ${level}`} data-check-in=${level} title=${title}>
    <span class="check-in-word">check-in </span>due in ${left < 60_000 ? "under a minute" : span(left)}</div>`;
}

function Card(props: { row: BoardRow; top: number; now: number }): VNode {
  const r = props.row;
  const late = r.overdue || (r.overdue_at !== null && Date.parse(r.overdue_at) <= props.now);
  const since = props.now - new Date(r.last_update_at).getTime();
  return html`<a class=${`card ${late ? "overdue" : ""} p${r.priority}`} href=${`#/incident/${encodeURIComponent(r.incident_id)}`}
      data-incident=${r.incident_id} style=${{ top: `${props.top}px` }}
      title=${`${r.title}\nupdated ${span(since)} ago · reported ${dtg(r.reported_at)}`}>
    <div class="card-head"><b>${r.incident_id}</b><span class="prio">P${r.priority}</span></div>
    <div class="card-title">${r.title}</div>
    <div class="card-meta">${`${r.owning_component}${r.supported_component ? ` → ${r.supported_component}` : ""} · ${r.persons_count} pers`}${
      r.duty_statuses.length ? ` · ${r.duty_statuses.map(label).join(", ")}` : ""}</div>
    <div class="card-meta mono">${r.position.mgrs}</div>
    ${checkIn(r, props.now)}
  </a>`;
}

/** The cards of one stage, drawn only where the column's view is. */
function Column(props: { stage: string; rows: BoardRow[]; count: number; now: number }): VNode {
  const { stage, rows } = props;
  const view = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);
  useLayoutEffect(() => {
    const element = view.current;
    if (!element) return;
    const measure = () => setHeight(element.clientHeight);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  const shownTop = Math.min(top, Math.max(0, rows.length * CARD_STEP - height)); // after the column shrank
  const first = Math.max(0, Math.floor(shownTop / CARD_STEP) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((shownTop + height) / CARD_STEP) + OVERSCAN);
  const chosen = filters.stage === stage;
  const pick = () => {
    filters.stage = chosen ? "" : stage;
    reload();
  };
  return html`<section class=${`column ${chosen ? "chosen" : ""} ${filters.stage && !chosen ? "dimmed" : ""}`} data-stage=${stage}>
    <h3 title=${label(stage)}><span class="stage-name">${label(stage)}</span>
      <button class="count" data-count-for=${stage} onClick=${pick} aria-pressed=${chosen}
        title=${chosen ? "show every stage" : `show only ${label(stage)}`}>${number(props.count)}</button></h3>
    ${rows.length < props.count ? html`<div class="column-note" data-column-note>${number(rows.length)} loaded</div>` : null}
    <div class="column-cards" ref=${view} data-cards=${rows.length}
        onScroll=${(e: Event) => setTop((e.currentTarget as HTMLElement).scrollTop)}>
      <div class="column-space" style=${{ height: `${rows.length * CARD_STEP}px` }}>
        ${rows.slice(first, last).map((r, i) => html`<${Card} key=${r.incident_id} row=${r} top=${(first + i) * CARD_STEP} now=${props.now} />`)}
      </div>
    </div>
  </section>`;
}

function reload(how: "first" | "more" = "first"): void {
  void loadBoard(how).catch((error) => update({ error: `could not load the board: ${error}` }));
}

/** The search box: the server searches, a moment after the last key (at once on Enter). */
function Search(): VNode {
  const [text, setText] = useState(filters.q);
  const timer = useRef(0);
  const ask = (value: string) => {
    window.clearTimeout(timer.current);
    if (value.trim() === filters.q.trim()) return;
    filters.q = value;
    reload();
  };
  useEffect(() => () => window.clearTimeout(timer.current), []);
  return html`<label class="board-search">Search
    <input name="board-search" type="search" value=${text} maxlength="100" autocomplete="off"
      placeholder="id, callsign, component, MGRS"
      onInput=${(e: Event) => {
        const value = (e.target as HTMLInputElement).value;
        setText(value);
        window.clearTimeout(timer.current);
        timer.current = window.setTimeout(() => ask(value), SEARCH_DELAY_MS);
      }}
      onKeyDown=${(e: KeyboardEvent) => { if (e.key === "Enter") ask((e.target as HTMLInputElement).value); }} /></label>`;
}

/** What "mine" means for this reader, in words (the server's meaning). */
function mineMeans(role: string | undefined): string {
  if (role === "jfc") return "what waits on the JFC: nominations, TACON requests, records to confirm";
  if (role === "observer") return "nothing waits on an observer";
  return "what waits on the JPRCC (a poll to open, answers in, a declined task, a dispute) and every overdue check-in";
}

function Chips(props: { componentBound: boolean; role: string | undefined }): VNode {
  const toggle = (key: "overdue" | "mine") => () => {
    filters[key] = !filters[key];
    reload();
  };
  const clear = (key: "stage" | "component") => () => {
    filters[key] = "";
    reload();
  };
  return html`<div class="chips">
    <button class="chip" data-chip="overdue" aria-pressed=${filters.overdue} onClick=${toggle("overdue")}
      title="only incidents whose check-in is overdue">Overdue</button>
    ${props.componentBound ? null : html`<button class="chip" data-chip="mine" aria-pressed=${filters.mine}
      onClick=${toggle("mine")} title=${`mine: ${mineMeans(props.role)}`}>Mine</button>`}
    ${filters.stage ? html`<button class="chip on" data-chip="stage" onClick=${clear("stage")} title="show every stage">
      ${label(filters.stage)} ×</button>` : null}
    ${filters.component ? html`<button class="chip on" data-chip="component" onClick=${clear("component")}
      title="every component">involves ${filters.component} ×</button>` : null}
  </div>`;
}

/** "showing N of M": the cards loaded of those that match, and of every open incident. */
function Shown(): VNode {
  const s = useStore();
  const b = s.board;
  if (!b) return html`<span class="shown" data-board-shown>loading…</span>`;
  const narrowed = b.total !== b.open_total || Boolean(filters.q.trim() || filters.stage || filters.overdue || filters.mine
    || filters.component || filters.duty_status || filters.task);
  return html`<span class="shown" data-board-shown>
    showing <b>${number(b.rows.length)}</b> of ${number(b.total)}${narrowed ? ` matching · ${number(b.open_total)} open` : " open"}${" · "}
    <b class=${b.overdue ? "alarm" : ""}>${number(b.overdue)} overdue</b>
    ${b.rows.length < b.total ? html` <button class="more" data-board-more onClick=${() => reload("more")}>show more</button>` : null}
  </span>`;
}

export function BoardView(): VNode {
  const s = useStore();
  const [now, setNow] = useState(nodeNow());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(nodeNow()), TICK_MS);
    return () => window.clearInterval(timer);
  }, []);
  const byStage = useMemo(() => {
    const found: Record<string, BoardRow[]> = {};
    for (const r of s.board?.rows ?? []) (found[r.stage] ??= []).push(r);
    return found;
  }, [s.board]);
  const widths = STAGES.map((stage) => `minmax(0, ${byStage[stage]?.length ? 1 : EMPTY_COLUMN}fr)`).join(" ");
  const set = (key: "component" | "duty_status" | "task" | "sort") => (e: Event) => {
    const value = (e.target as HTMLSelectElement).value;
    if (key === "sort") filters.sort = value as BoardSort;
    else filters[key] = value;
    reload();
  };
  return html`<section class="board">
    <div class="filters">
      <${Search} />
      <${Chips} componentBound=${s.me?.role === "prcc_officer" || s.me?.role === "liaison_officer"} role=${s.me?.role} />
      <label>Component <select name="filter-component" onChange=${set("component")} value=${filters.component}>
        <option value="">all</option>${s.components.map((c) => html`<option value=${c.component_id}>${c.component_id}</option>`)}</select></label>
      <label>Duty status <select name="filter-status" onChange=${set("duty_status")} value=${filters.duty_status}>
        <option value="">all</option>${DUTY_STATUSES.map((d) => html`<option value=${d}>${label(d)}</option>`)}</select></label>
      <label>PR task in progress <select name="filter-task" onChange=${set("task")} value=${filters.task}>
        <option value="">any</option>${TASKS.map((t) => html`<option value=${t}>${t}</option>`)}</select></label>
      <label>Sort <select name="board-sort" onChange=${set("sort")} value=${filters.sort}>
        ${BoardSort_VALUES.map((o) => html`<option value=${o}>${SORTS[o]}</option>`)}</select></label>
      <${Shown} />
    </div>
    <div class="columns" style=${{ gridTemplateColumns: widths }}>
      ${STAGES.map((stage) => html`<${Column} key=${stage} stage=${stage} rows=${byStage[stage] ?? []}
        count=${s.board?.counts[stage] ?? 0} now=${now} />`)}
    </div>
  </section>`;
}
