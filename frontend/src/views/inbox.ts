// Your turn: what waits for this user now, each item one click from its form.
import { html } from "htm/preact";
import type { VNode } from "preact";
import type { InboxItem } from "../api";
import { dtg, label, span } from "../format";
import { useStore } from "../store";
import { nodeNow } from "../time";

/** The link that opens the incident with the item's form already open. */
export function itemLink(incidentId: string, action: string): string {
  return `#/incident/${encodeURIComponent(incidentId)}?do=${action}`;
}

function Due(props: { at: string | null }): VNode | null {
  if (!props.at) return null;
  const left = new Date(props.at).getTime() - nodeNow();
  const cls = left < 0 ? "alarm" : left < 15 * 60_000 ? "warn" : "";
  return html`<span class=${cls} data-due>${left < 0 ? `overdue ${span(left)}` : `due in ${span(left)}`}</span>`;
}

function Item(props: { item: InboxItem }): VNode {
  const i = props.item;
  return html`<li class=${`turn ${i.urgent ? "urgent" : ""}`} data-turn=${i.kind} data-turn-incident=${i.incident_id}>
    <a class="turn-open" href=${itemLink(i.incident_id, i.action)} data-turn-open>
      <b class="mono">${i.incident_id}</b> ${i.title}</a>
    <div class="turn-asks">${i.asks}</div>
    <div class="help"><span class="mono">${i.position.mgrs}</span> · ${label(i.stage)} · P${i.priority} · since ${dtg(i.since)}
      ${i.due_at ? html` · <${Due} at=${i.due_at} />` : null}</div>
  </li>`;
}

export function InboxView(): VNode {
  const s = useStore();
  const items = s.inbox?.items ?? [];
  return html`<section class="inbox" data-inbox>
    <h2>Your turn <span class="help">${items.length ? `${items.length} item${items.length === 1 ? "" : "s"}, ${s.inbox?.urgent ?? 0} urgent` : ""}</span></h2>
    ${items.length
      ? html`<ol class="turns">${items.map((i) => html`<${Item} item=${i} />`)}</ol>`
      : html`<p class="help" data-inbox-empty>Nothing waits for you. New polls, nominations, tasks and overdue check-ins appear here, with a tone.</p>`}
  </section>`;
}
