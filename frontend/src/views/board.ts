// The incident board: a column per stage of the brokering flow, a card per open incident.
import { html } from "htm/preact";
import type { VNode } from "preact";
import type { BoardRow } from "../api";
import { filters, loadBoard } from "../data";
import { DUTY_STATUSES, dtg, label, span, STAGES, TASKS } from "../format";
import { update, useStore } from "../store";

function Card(props: { row: BoardRow }): VNode {
  const r = props.row;
  const since = Date.now() - new Date(r.last_update_at).getTime();
  return html`<a class="card ${r.overdue ? "overdue" : ""} p${r.priority}" href=${`#/incident/${encodeURIComponent(r.incident_id)}`}
      data-incident=${r.incident_id}>
    <div class="card-head"><b>${r.incident_id}</b><span class="prio">P${r.priority}</span></div>
    <div class="card-title">${r.title}</div>
    <div class="card-meta">${r.owning_component}${r.supported_component ? ` → ${r.supported_component}` : ""} ·
      ${r.persons_count} pers · ${r.duty_statuses.map(label).join(", ")}</div>
    <div class="card-meta mono">${r.position.mgrs}</div>
    <div class="card-meta">${r.overdue ? html`<b class="alarm">OVERDUE</b> · ` : ""}updated ${span(since)} ago ·
      reported ${dtg(r.reported_at)}</div>
  </a>`;
}

export function BoardView(): VNode {
  const s = useStore();
  const rows = s.board?.rows ?? [];
  const set = (key: keyof typeof filters) => (e: Event) => {
    filters[key] = (e.target as HTMLSelectElement).value;
    void loadBoard().catch((error) => update({ error: `could not load the board: ${error}` }));
  };
  return html`<section class="board">
    <div class="filters">
      <label>Component <select name="filter-component" onChange=${set("component")} value=${filters.component}>
        <option value="">all</option>${s.components.map((c) => html`<option value=${c.component_id}>${c.component_id}</option>`)}</select></label>
      <label>Duty status <select name="filter-status" onChange=${set("duty_status")} value=${filters.duty_status}>
        <option value="">all</option>${DUTY_STATUSES.map((d) => html`<option value=${d}>${label(d)}</option>`)}</select></label>
      <label>PR task in progress <select name="filter-task" onChange=${set("task")} value=${filters.task}>
        <option value="">any</option>${TASKS.map((t) => html`<option value=${t}>${t}</option>`)}</select></label>
      <span class="summary">${s.board?.total ?? 0} open · <b class=${s.board?.overdue ? "alarm" : ""}>${s.board?.overdue ?? 0} overdue</b></span>
    </div>
    <div class="columns">
      ${STAGES.map((stage) => {
        const cards = rows.filter((r) => r.stage === stage);
        return html`<div class="column" data-stage=${stage}>
          <h3>${label(stage)} <span class="count" data-count-for=${stage}>${s.board?.counts[stage] ?? 0}</span></h3>
          ${cards.map((r) => html`<${Card} row=${r} />`)}
        </div>`;
      })}
    </div>
  </section>`;
}
