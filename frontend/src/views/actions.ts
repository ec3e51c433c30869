// Every action a user can take, as a form: what it asks, and the command it sends.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { api } from "../api";
import type { Incident, Offer } from "../api";
import {
  CAPABILITIES, CHANNELS, CONDITIONS, CONFIDENCE, DISPOSITIONS, DUTY_STATUSES, ENVIRONMENTS, label, readPosition,
  TASK_STATUSES, TASKS,
} from "../format";
import { state } from "../store";
import type { Field, Values } from "./form";
import { NominationPackage } from "./package";
import { byCallsign, HelpBox, type HelpValue, helpProblem, OfferPicker, type OfferRow, offersToSend, PersonsEditor, type PersonRow, personsToSend, PositionPicker } from "./pickers";
import { nodeDate, nodeNow } from "../time";

export interface ActionSpec {
  title: string;
  submitLabel: string;
  fields: (incident: Incident | null) => Field[];
  send: (values: Values, incident: Incident | null) => Promise<unknown>;
}

const hours = (h: number) => new Date(nodeNow() + h * 3600_000).toISOString();
const path = (incident: Incident | null, tail: string) => `/api/incidents/${encodeURIComponent(incident!.incident_id)}/${tail}`;
/** Decisions taken on the whole picture carry the version their author saw: if the incident moved
 * on meanwhile, the server refuses rather than act on what the author did not see. Answers and
 * facts (poll answers, positions, statuses) do not. */
const version = (incident: Incident | null) => ({ expected_version: incident?.version });
const text = (name: string, lbl: string, required = true): Field => ({ name, label: lbl, kind: "textarea", required });
const remarks: Field = { name: "remarks", label: "Remarks", kind: "textarea" };
const reason = text("reason", "Reason");
const staff = () => state.me?.role === "jprcc_director" || state.me?.role === "jprcc_controller";
const components = () => state.components.map((c) => ({ value: c.component_id, label: `${c.component_id} — ${c.name}` }));

function personsOf(incident: Incident | null, statuses: string[]): { value: string; label: string }[] {
  return (incident?.persons ?? [])
    .filter((p) => statuses.includes(p.duty_status))
    .map((p) => ({ value: p.person_id, label: `${p.name} (${label(p.duty_status)})` }));
}

/** Who a recovery brings back: those at large, those a captor released, and the detained persons
 * the JFC ordered recovered by force. */
function toBringBack(incident: Incident | null): { value: string; label: string }[] {
  const ordered = new Set(incident?.deliberate_recovery ?? []);
  return (incident?.persons ?? [])
    .filter((p) => ["isolated", "evading", "missing", "dustwun", "released"].includes(p.duty_status)
      || (p.duty_status === "captured" && ordered.has(p.person_id)))
    .map((p) => ({ value: p.person_id, label: `${p.name} (${label(p.duty_status)}${ordered.has(p.person_id) && p.duty_status === "captured" ? ", by force" : ""})` }));
}

/** Who gave a decision by voice, and how: asked when the JPRCC records it on the giver's behalf. */
const voice: Field[] = [
  { name: "given_by", label: "Given by (name and rank, as said on the line)", kind: "text", required: true, aliases: ["on_behalf"] },
  { name: "channel", label: "How it came", kind: "select", required: true, options: ["phone", "radio", "in_person", "chat", "message"], initial: "phone" },
];
const onBehalf = (v: Values) => ({ on_behalf: { given_by: String(v.given_by).trim(), channel: v.channel } });

/** The polled components that have not answered yet. */
const unanswered = (i: Incident | null) => i?.poll?.awaiting ?? [];
/** The supporting components whose task waits for an answer. */
const tasked = (i: Incident | null) => (i?.support_tasks ?? []).filter((t) => t.status === "tasked").map((t) => t.component_id);
/** The records waiting for this user's confirmation (the JFC's, or the user's component's). */
const myRecords = (i: Incident | null) => (i?.relayed ?? []).filter((r) => r.status === "recorded"
  && (state.me?.role === "jfc" ? r.party === "JFC" : r.party === state.me?.component_id))
  .map((r) => ({ value: r.record_id, label: `${r.decision}, as given by ${r.given_by} by ${label(r.channel)} (recorded by ${r.recorded_by})` }));

/** The package the decision rests on, shown in the decision's own form. */
function packageField(i: Incident | null): Field {
  const n = i?.nominations.find((x) => x.status === "pending");
  return { name: "package", label: "What you approve", kind: "custom",
    render: () => (n ? html`<${NominationPackage} nomination=${n} />` : html`<div class="error">No nomination is pending any more.</div>`) };
}

/** The nomination the user saw pending when the form opened. */
function pending(incident: Incident | null): string {
  const found = incident?.nominations.find((n) => n.status === "pending");
  if (!found) throw new Error("there is no pending nomination any more: look again");
  return found.nomination_id;
}

function position(values: Values): { lat: number; lon: number } {
  const read = readPosition(String(values.position));
  if (typeof read === "string") throw new Error(read);
  return read;
}

// --- the nomination's editor ---------------------------------------------------------------------

interface ContributionRow { component_id: string; asset_id: string; capability: string; task: string; include: boolean; }

function contributionEditor(value: unknown, set: (v: unknown) => void): VNode {
  const rows = value as ContributionRow[];
  const change = (i: number, patch: Partial<ContributionRow>) => set(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  if (!rows.length) return html`<div class="help">No offers yet: wait for the components' answers.</div>`;
  return html`<table class="editor"><tbody>${rows.map((r, i) => html`<tr data-asset=${r.asset_id}>
    <td><label class="check"><input type="checkbox" name=${`contribution:${r.asset_id}`} checked=${r.include}
      onChange=${(e: Event) => change(i, { include: (e.target as HTMLInputElement).checked })} /> ${r.component_id} · ${r.asset_id}</label></td>
    <td class="help">${label(r.capability)}</td>
    <td><input value=${r.task} name=${`task:${r.asset_id}`} onInput=${(e: Event) => change(i, { task: (e.target as HTMLInputElement).value })} /></td>
  </tr>`)}</tbody></table>`;
}

const DEFAULT_TASKS: Record<string, string> = {
  rotary_wing_recovery: "Recovery vehicle", isr: "ISR over the isolated persons and the route",
  airborne_c2: "Airborne command and control", armored_reconnaissance: "Armored reconnaissance screen",
  special_operations_team: "Move the survivor to the linkup point", maritime_surface_recovery: "Surface pick-up",
  close_air_support: "Escort and fires", fixed_wing_escort: "Escort", medical: "Medical care",
  sead_ew: "Suppress the air defences (SEAD/EW)", rescue_escort: "Rescue escort",
  on_scene_commander: "On-scene command", security_element: "Secure the pickup site",
  surface_fires: "Surface fires on call", pararescue: "Pararescue: recover and treat",
};

function offersMade(incident: Incident): ContributionRow[] {
  return (incident.poll?.answers ?? []).flatMap((a) =>
    a.offers.map((o: Offer) => ({
      component_id: a.component_id, asset_id: o.asset_id, capability: o.capability,
      task: DEFAULT_TASKS[o.capability] ?? label(o.capability), include: true,
    })));
}

// --- the catalogue -------------------------------------------------------------------------------

export const ACTIONS: Record<string, ActionSpec> = {
  report: {
    title: "Report an isolating event", submitLabel: "Report",
    fields: () => [
      { name: "title", label: "Title (callsign first: VIPER 11: F-16 pilot ejected)", kind: "text", required: true,
        validate: (v) => (String(v).length > 200 ? "at most 200 characters" : null) },
      { name: "owning_component", label: "Owning component", kind: "select", required: true,
        options: state.me?.report_components ?? [], initial: state.me?.report_components.length === 1 ? state.me.report_components[0] : "" },
      { name: "position", label: "Where (click the map, or paste MGRS, lat, lon or degrees-minutes)", kind: "custom", required: true,
        render: (v, set) => html`<${PositionPicker} value=${String(v ?? "")} set=${set} />`,
        validate: (v) => { const read = readPosition(String(v)); return typeof read === "string" ? read : null; } },
      { name: "uncertainty_m", label: "Uncertainty (m)", kind: "number", required: true, min: 0, max: 2_000_000, initial: "500" },
      { name: "minutes_ago", label: "Isolated how many minutes ago", kind: "number", min: 0, max: 100000, initial: "0", aliases: ["isolating_event_at"] },
      { name: "persons", label: "Persons", kind: "custom", required: true,
        initial: [{ name: "", service: "", unit: "", condition: "unknown", duty_status: "isolated" }],
        render: (v, set) => html`<${PersonsEditor} rows=${v as PersonRow[]} set=${set} />`,
        validate: (v) => {
          const empty = (v as PersonRow[]).findIndex((r) => !r.name.trim());
          return empty < 0 ? null : `row ${empty + 1}: a name (or remove the row)`;
        } },
      { name: "environment", label: "Environment", kind: "select", required: true, options: ENVIRONMENTS, initial: "land" },
      { name: "channel", label: "Source", kind: "select", required: true, options: CHANNELS, initial: "voice" },
      { name: "source_confidence", label: "Confidence", kind: "select", required: true, options: CONFIDENCE, initial: "probably_true" },
      { name: "priority", label: "Priority (1 highest)", kind: "number", required: true, min: 1, max: 5, initial: "1" },
      { name: "summary", label: "Summary", kind: "textarea" },
      { name: "help", label: "Help", kind: "custom", initial: { need: false, capabilities: [], reason: "", given_by: "" },
        aliases: ["capabilities_needed", "reason", "on_behalf"],
        render: (v, set) => html`<${HelpBox} value=${v as HelpValue} set=${set} askWho=${staff()} />`,
        validate: (v) => helpProblem(v as HelpValue, staff()) },
    ],
    send: async (v) => {
      const incident = await api.post<Incident>("/api/incidents", {
        title: v.title, owning_component: v.owning_component, position: position(v), uncertainty_m: Number(v.uncertainty_m),
        isolating_event_at: new Date(nodeNow() - Number(v.minutes_ago || 0) * 60000).toISOString(),
        channel: v.channel, source_confidence: v.source_confidence, environment: v.environment, priority: Number(v.priority),
        persons: personsToSend(v.persons as PersonRow[], String(v.owning_component)), summary: v.summary,
      });
      const help = v.help as HelpValue;
      if (!help.need) return incident;
      // the report stands even if the request is refused: say so rather than lose it
      try {
        return await api.post<Incident>(path(incident, "assistance-request"), {
          capabilities_needed: help.capabilities, reason: help.reason,
          ...(staff() ? { on_behalf: { given_by: help.given_by.trim(), channel: v.channel === "voice" ? "radio" : "phone" } } : {}),
        });
      } catch (error) {
        throw new Error(`${incident.incident_id} was reported, but the request for help was not recorded: ${error instanceof Error ? error.message : error}. Open it and ask again.`);
      }
    },
  },
  organic_recovery: {
    title: "Recover with own forces (organic)", submitLabel: "Declare organic recovery",
    fields: () => [text("plan", "Plan")],
    send: (v, i) => api.post(path(i, "organic-recovery"), { plan: v.plan, ...version(i) }),
  },
  request_assistance: {
    title: "Ask the JPRCC for assistance", submitLabel: "Request assistance",
    fields: () => [
      { name: "capabilities_needed", label: "Capabilities needed", kind: "checks", options: CAPABILITIES },
      reason,
      // the JPRCC records on its own only that the component cannot recover; what a component asked
      // for by voice is recorded with "Record request (voice)"
      staff()
        ? { name: "cannot_recover", label: "The component cannot recover (the JPRCC's own finding)", kind: "checkbox", initial: true,
            validate: (v) => (v ? null : "the JPRCC records only that it cannot recover; record what the component asked with Record request (voice)") }
        : { name: "cannot_recover", label: "The component cannot recover", kind: "checkbox" },
    ],
    send: (v, i) => api.post(path(i, "assistance-request"), {
      capabilities_needed: v.capabilities_needed, reason: v.reason, cannot_recover: v.cannot_recover, ...version(i) }),
  },
  relay_request_assistance: {
    title: "Record a request for assistance given by voice", submitLabel: "Record the request",
    fields: () => [...voice,
      { name: "capabilities_needed", label: "Capabilities the component asks for", kind: "checks", options: CAPABILITIES },
      text("reason", "What the component said"),
      { name: "cannot_recover", label: "The component says it cannot recover", kind: "checkbox" }],
    send: (v, i) => api.post(path(i, "assistance-request"), {
      capabilities_needed: v.capabilities_needed, reason: v.reason, cannot_recover: v.cannot_recover, ...onBehalf(v), ...version(i) }),
  },
  open_poll: {
    title: "Poll the components", submitLabel: "Send the poll",
    fields: (i) => [
      { name: "component_ids", label: "Components to poll", kind: "checks", required: true, options: components(),
        initial: state.components.map((c) => c.component_id) },
      { name: "capabilities_needed", label: "Capabilities asked for", kind: "checks", options: CAPABILITIES,
        initial: i?.assistance?.capabilities_needed ?? [] },
      { name: "respond_minutes", label: "Answer within (minutes)", kind: "number", min: 1, max: 1440, initial: "30" },
    ],
    send: (v, i) => api.post(path(i, "capability-poll"), {
      component_ids: v.component_ids, capabilities_needed: v.capabilities_needed,
      respond_by: v.respond_minutes ? hours(Number(v.respond_minutes) / 60) : null, ...version(i) }),
  },
  answer_poll: {
    title: "Answer the capability poll", submitLabel: "Send the answer",
    fields: (i) => [
      { name: "offers", label: `What ${state.me?.component_id} can provide now`, kind: "custom", initial: [],
        render: (v, set) => html`<${OfferPicker} incident=${i} component=${state.me?.component_id ?? ""} rows=${v as OfferRow[]} set=${set} />` },
      { name: "cannot_reason", label: "Or: why the component cannot provide", kind: "textarea",
        validate: (v, all) => (!String(v || "").trim() && !(all.offers as OfferRow[]).some((r) => r.include)
          ? "offer at least one asset, or say why not" : null) },
    ],
    send: (v, i) => {
      const offers = offersToSend(v.offers as OfferRow[]);
      return api.post(path(i, "capability-poll/answers"), {
        component_id: state.me?.component_id, offers, cannot_reason: offers.length ? null : v.cannot_reason })
        .catch((e: unknown) => { throw byCallsign(e, v.offers as OfferRow[]); });
    },
  },
  relay_answer_poll: {
    title: "Record a component's answer given by voice", submitLabel: "Record the answer",
    fields: (i) => [
      { name: "component_id", label: "Component answering", kind: "select", required: true, options: unanswered(i),
        initial: unanswered(i).length === 1 ? unanswered(i)[0] : "" },
      ...voice,
      { name: "offers", label: "What it offers", kind: "custom", initial: [],
        render: (v, set, all) => (all.component_id
          ? html`<${OfferPicker} key=${String(all.component_id)} incident=${i} component=${String(all.component_id)} rows=${v as OfferRow[]} set=${set} />`
          : html`<div class="help">Choose the component first.</div>`) },
      { name: "cannot_reason", label: "Or: why it cannot provide, as said", kind: "textarea",
        validate: (v, all) => (!String(v || "").trim() && !(all.offers as OfferRow[]).some((r) => r.include)
          ? "record at least one offer, or why not" : null) },
    ],
    send: (v, i) => {
      const offers = offersToSend(v.offers as OfferRow[]);
      return api.post(path(i, "capability-poll/answers"), {
        component_id: v.component_id, offers, cannot_reason: offers.length ? null : v.cannot_reason, ...onBehalf(v) })
        .catch((e: unknown) => { throw byCallsign(e, v.offers as OfferRow[]); });
    },
  },
  nominate: {
    title: "Nominate supported and supporting components", submitLabel: "Nominate",
    fields: (i) => [
      { name: "supported_component", label: "Supported (lead) component", kind: "select", required: true, options: components() },
      { name: "contributions", label: "Contributions (from the poll answers)", kind: "custom", render: contributionEditor,
        initial: i ? offersMade(i) : [], validate: (v) => ((v as ContributionRow[]).some((r) => r.include) ? null : "choose at least one offer") },
      { name: "support_kind", label: "Support", kind: "select", required: true, options: ["general", "direct", "mutual", "close"], initial: "direct" },
      { name: "priority", label: "Priority (1 highest)", kind: "number", required: true, min: 1, max: 5, initial: String(i?.priority ?? 1) },
      { name: "window_hours", label: "Timing window (hours from now)", kind: "number", required: true, min: 0.5, max: 240, initial: "8",
        aliases: ["window_start", "window_end"] },
      text("desired_effects", "Desired effects"),
      { name: "rationale", label: "Rationale", kind: "textarea" },
    ],
    send: (v, i) => {
      const grouped = new Map<string, { component_id: string; asset_ids: string[]; task: string[] }>();
      for (const r of (v.contributions as ContributionRow[]).filter((r) => r.include)) {
        const g = grouped.get(r.component_id) ?? { component_id: r.component_id, asset_ids: [], task: [] };
        g.asset_ids.push(r.asset_id);
        if (!g.task.includes(r.task)) g.task.push(r.task);
        grouped.set(r.component_id, g);
      }
      return api.post(path(i, "nomination"), {
        supported_component: v.supported_component, support_kind: v.support_kind, priority: Number(v.priority),
        window_start: nodeDate().toISOString(), window_end: hours(Number(v.window_hours)),
        desired_effects: v.desired_effects, rationale: v.rationale,
        contributions: [...grouped.values()].map((g) => ({ ...g, task: g.task.join("; ") })), ...version(i) });
    },
  },
  approve_nomination: {
    title: "Approve the nomination (JFC)", submitLabel: "Approve",
    fields: (i) => [packageField(i), remarks],
    send: (v, i) => api.post(path(i, "nomination/approval"), { nomination_id: pending(i), remarks: v.remarks, ...version(i) }),
  },
  reject_nomination: {
    title: "Reject the nomination (JFC)", submitLabel: "Reject",
    fields: (i) => [packageField(i), reason],
    send: (v, i) => api.post(path(i, "nomination/rejection"), { nomination_id: pending(i), reason: v.reason, ...version(i) }),
  },
  relay_decision: {
    title: "Record the JFC's decision given by voice", submitLabel: "Record the decision",
    fields: (i) => [packageField(i),
      { name: "decision", label: "The JFC", kind: "select", required: true, options: [
        { value: "approve", label: "approves the nomination" }, { value: "reject", label: "rejects the nomination" }] },
      ...voice,
      { name: "words", label: "Remarks, or the reason for a rejection, as said", kind: "textarea", aliases: ["remarks", "reason"],
        validate: (v, all) => (all.decision === "reject" && !String(v || "").trim() ? "a rejection says why" : null) },
    ],
    send: (v, i) => (v.decision === "approve"
      ? api.post(path(i, "nomination/approval"), { nomination_id: pending(i), remarks: v.words, ...onBehalf(v), ...version(i) })
      : api.post(path(i, "nomination/rejection"), { nomination_id: pending(i), reason: v.words, ...onBehalf(v), ...version(i) })),
  },
  relay_task_answer: {
    title: "Record a supporting component's answer given by voice", submitLabel: "Record the answer",
    fields: (i) => [
      { name: "component_id", label: "Component", kind: "select", required: true, options: tasked(i),
        initial: tasked(i).length === 1 ? tasked(i)[0] : "" },
      { name: "answer", label: "It", kind: "select", required: true, options: [
        { value: "accept", label: "accepts its support task" }, { value: "decline", label: "declines its support task" }] },
      ...voice,
      { name: "words", label: "Remarks, or the reason for declining, as said", kind: "textarea", aliases: ["remarks", "reason"],
        validate: (v, all) => (all.answer === "decline" && !String(v || "").trim() ? "a refusal says why" : null) },
    ],
    send: (v, i) => (v.answer === "accept"
      ? api.post(path(i, `support-tasks/${v.component_id}/acceptance`), { remarks: v.words, ...onBehalf(v) })
      : api.post(path(i, `support-tasks/${v.component_id}/declination`), { reason: v.words, ...onBehalf(v) })),
  },
  relay_begin_recovery: {
    title: "Record that the supported component began the recovery (by voice)", submitLabel: "Record the start",
    fields: () => [...voice, remarks],
    send: (v, i) => api.post(path(i, "recovery/begin"), { remarks: v.remarks, ...onBehalf(v), ...version(i) }),
  },
  confirm_record: {
    title: "Confirm what the JPRCC recorded for you", submitLabel: "Confirm",
    fields: (i) => [{ name: "record_id", label: "Record", kind: "select", required: true, options: myRecords(i),
      initial: myRecords(i)[0]?.value ?? "" }, remarks],
    send: (v, i) => api.post(path(i, "relayed/confirmation"), { record_id: v.record_id, remarks: v.remarks }),
  },
  dispute_record: {
    title: "Dispute what the JPRCC recorded for you", submitLabel: "Dispute",
    fields: (i) => [{ name: "record_id", label: "Record", kind: "select", required: true, options: myRecords(i),
      initial: myRecords(i)[0]?.value ?? "" }, text("reason", "What is wrong with it")],
    send: (v, i) => api.post(path(i, "relayed/dispute"), { record_id: v.record_id, reason: v.reason }),
  },
  resolve_record: {
    title: "Settle a disputed record", submitLabel: "Settle",
    fields: (i) => [{ name: "record_id", label: "Disputed record", kind: "select", required: true,
      options: (i?.relayed ?? []).filter((r) => r.status === "disputed").map((r) => ({ value: r.record_id, label: `${r.decision}: ${r.answer}` })) },
      text("resolution", "How it was settled")],
    send: (v, i) => api.post(path(i, "relayed/resolution"), { record_id: v.record_id, resolution: v.resolution }),
  },
  accept_task: {
    title: "Accept the support task", submitLabel: "Accept",
    fields: () => [remarks],
    send: (v, i) => api.post(path(i, `support-tasks/${state.me?.component_id}/acceptance`), { remarks: v.remarks }),
  },
  decline_task: {
    title: "Decline the support task", submitLabel: "Decline",
    fields: () => [reason],
    send: (v, i) => api.post(path(i, `support-tasks/${state.me?.component_id}/declination`), { reason: v.reason }),
  },
  begin_recovery: { title: "Begin the recovery", submitLabel: "Begin", fields: () => [remarks],
    send: (v, i) => api.post(path(i, "recovery/begin"), { remarks: v.remarks, ...version(i) }) },
  abort_recovery: { title: "Abort the recovery", submitLabel: "Abort", fields: () => [reason],
    send: (v, i) => api.post(path(i, "recovery/abort"), { reason: v.reason, ...version(i) }) },
  replan: { title: "Re-plan", submitLabel: "Re-plan", fields: () => [reason],
    send: (v, i) => api.post(path(i, "replan"), { reason: v.reason, ...version(i) }) },
  record_recovery: {
    title: "Record the recovery", submitLabel: "Record recovery",
    fields: (i) => [
      { name: "person_ids", label: "Recovered", kind: "checks", required: true, options: toBringBack(i),
        initial: toBringBack(i).map((p) => p.value) },
      remarks,
    ],
    send: (v, i) => api.post(path(i, "recovery"), { person_ids: v.person_ids, remarks: v.remarks, ...version(i) }),
  },
  hand_to_reintegration: {
    title: "Hand to reintegration", submitLabel: "Hand over",
    fields: () => [{ name: "receiving_team", label: "Receiving team", kind: "text", required: true }, remarks],
    send: (v, i) => api.post(path(i, "reintegration"), { receiving_team: v.receiving_team, remarks: v.remarks, ...version(i) }),
  },
  close: {
    title: "Close the incident", submitLabel: "Close",
    fields: () => [{ name: "disposition", label: "Disposition", kind: "select", required: true, options: DISPOSITIONS }, remarks],
    send: (v, i) => api.post(path(i, "close"), { disposition: v.disposition, remarks: v.remarks, ...version(i) }),
  },
  declare_detained: {
    title: "Persons captured or detained", submitLabel: "Record detention",
    fields: (i) => [
      { name: "person_ids", label: "Detained", kind: "checks", required: true, options: personsOf(i, ["isolated", "evading", "missing", "dustwun"]) },
      { name: "detaining_party", label: "Detaining party", kind: "text", required: true }, remarks,
    ],
    send: (v, i) => api.post(path(i, "detention"), { person_ids: v.person_ids, detaining_party: v.detaining_party, remarks: v.remarks, ...version(i) }),
  },
  order_deliberate_recovery: {
    title: "Order the detained persons recovered by force (JFC)", submitLabel: "Order the recovery",
    fields: (i) => [
      { name: "person_ids", label: "To recover by force", kind: "checks", required: true, options: personsOf(i, ["captured"]),
        initial: personsOf(i, ["captured"]).map((p) => p.value) },
      { name: "capabilities_needed", label: "What the raid needs", kind: "checks", options: CAPABILITIES,
        help: "none ticked: a special-operations team and ISR" },
      { name: "reason", label: "Reason (the negotiation goes on beside it)", kind: "textarea", required: true },
    ],
    send: (v, i) => api.post(path(i, "deliberate-recovery"), {
      person_ids: v.person_ids, capabilities_needed: v.capabilities_needed, reason: v.reason, ...version(i) }),
  },
  record_release: {
    title: "Detained persons released", submitLabel: "Record release",
    fields: (i) => [{ name: "person_ids", label: "Released", kind: "checks", required: true, options: personsOf(i, ["captured"]) }, remarks],
    send: (v, i) => api.post(path(i, "release"), { person_ids: v.person_ids, remarks: v.remarks, ...version(i) }),
  },
  change_duty_status: {
    title: "Change a person's duty status", submitLabel: "Change status",
    fields: (i) => [
      { name: "person_id", label: "Person", kind: "select", required: true, options: (i?.persons ?? []).map((p) => ({ value: p.person_id, label: p.name })) },
      { name: "status", label: "Duty status", kind: "select", required: true, options: DUTY_STATUSES.filter((s) => s !== "recovered" && s !== "captured") },
      { name: "remains_identified", label: "Remains identified", kind: "checkbox" }, remarks,
    ],
    send: (v, i) => api.post(path(i, `persons/${encodeURIComponent(String(v.person_id))}/duty-status`), {
      status: v.status, remains_identified: v.remains_identified, remarks: v.remarks }),
  },
  change_condition: {
    title: "Change a person's condition", submitLabel: "Change condition",
    fields: (i) => [
      { name: "person_id", label: "Person", kind: "select", required: true,
        options: (i?.persons ?? []).filter((p) => p.duty_status !== "recovered" && p.duty_status !== "deceased").map((p) => ({ value: p.person_id, label: `${p.name} (${label(p.condition)})` })) },
      { name: "condition", label: "Condition now", kind: "select", required: true, options: CONDITIONS }, remarks,
    ],
    send: (v, i) => api.post(path(i, `persons/${encodeURIComponent(String(v.person_id))}/condition`), {
      condition: v.condition, remarks: v.remarks }),
  },
  update_task: {
    title: "Set a PR task's status", submitLabel: "Set",
    fields: () => [
      { name: "task", label: "Task", kind: "select", required: true, options: TASKS },
      { name: "status", label: "Status", kind: "select", required: true, options: TASK_STATUSES }, remarks,
    ],
    send: (v, i) => api.post(path(i, `tasks/${v.task}`), { status: v.status, remarks: v.remarks }),
  },
  check_in: { title: "Check in (no change)", submitLabel: "Check in", fields: () => [remarks],
    send: (v, i) => api.post(path(i, "check-in"), { remarks: v.remarks }) },
  update_position: {
    title: "New position fix", submitLabel: "Update position",
    fields: () => [
      { name: "position", label: "Position", kind: "position", required: true },
      { name: "uncertainty_m", label: "Uncertainty (m)", kind: "number", required: true, min: 0, max: 2_000_000 },
      { name: "channel", label: "Source", kind: "select", required: true, options: CHANNELS },
      { name: "source_confidence", label: "Confidence", kind: "select", required: true, options: CONFIDENCE }, remarks,
    ],
    send: (v, i) => api.post(path(i, "position"), {
      position: position(v), uncertainty_m: Number(v.uncertainty_m), channel: v.channel,
      source_confidence: v.source_confidence, remarks: v.remarks }),
  },
  set_check_in_interval: {
    title: "Check-in interval", submitLabel: "Set",
    fields: (i) => [{ name: "minutes", label: "Minutes", kind: "number", required: true, min: 1, max: 10080,
      initial: String(Math.round((i?.check_in_interval_s ?? 1800) / 60)), aliases: ["interval_s"] }],
    send: (v, i) => api.put(path(i, "check-in-interval"), { interval_s: Number(v.minutes) * 60 }),
  },
  request_tacon: {
    title: "Request a TACON transfer (needs JFC approval)", submitLabel: "Request TACON",
    fields: () => [
      { name: "asset_ids", label: "Assets (ids, comma-separated)", kind: "text", required: true },
      { name: "from_component", label: "From", kind: "select", required: true, options: components() },
      { name: "to_component", label: "To", kind: "select", required: true, options: components(),
        validate: (v, all) => (v && v === all.from_component ? "a different component" : null) },
      { name: "begin_hours", label: "Begins in (hours)", kind: "number", required: true, min: 0, max: 240, initial: "0",
        aliases: ["begin"] },
      { name: "end_hours", label: "Ends in (hours)", kind: "number", required: true, min: 0.25, max: 240, initial: "4",
        aliases: ["end"],
        validate: (v, all) => (Number(v) <= Number(all.begin_hours) ? "the end comes after the begin" : null) },
      reason,
    ],
    send: (v, i) => api.post(path(i, "tacon-requests"), {
      asset_ids: String(v.asset_ids).split(",").map((s) => s.trim()).filter(Boolean), from_component: v.from_component,
      to_component: v.to_component, begin: hours(Number(v.begin_hours)), end: hours(Number(v.end_hours)), reason: v.reason, ...version(i) }),
  },
  approve_tacon: {
    title: "Approve a TACON transfer (JFC)", submitLabel: "Approve TACON",
    fields: (i) => [{ name: "request_id", label: "Request", kind: "select", required: true,
      options: (i?.tacon_requests ?? []).filter((t) => t.status === "requested").map((t) => ({ value: t.request_id,
        label: `${t.asset_ids.join(", ")}: ${t.from_component} → ${t.to_component}` })) }, remarks],
    send: (v, i) => api.post(path(i, "tacon-requests/approval"), { request_id: v.request_id, remarks: v.remarks, ...version(i) }),
  },
  reject_tacon: {
    title: "Reject a TACON transfer (JFC)", submitLabel: "Reject TACON",
    fields: (i) => [{ name: "request_id", label: "Request", kind: "select", required: true,
      options: (i?.tacon_requests ?? []).filter((t) => t.status === "requested").map((t) => t.request_id) }, reason],
    send: (v, i) => api.post(path(i, "tacon-requests/rejection"), { request_id: v.request_id, reason: v.reason, ...version(i) }),
  },
};

export { BUTTONS } from "./buttons";
