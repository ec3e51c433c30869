// One form for every action: fields validate as you type; the server's answer is shown next to
// the field it names.
import { html } from "htm/preact";
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import { label, readPosition, toMgrs } from "../format";

export type Values = Record<string, unknown>;

export interface Option { value: string; label: string; }

export interface Field {
  name: string;
  label: string;
  kind: "text" | "textarea" | "number" | "select" | "checkbox" | "checks" | "position" | "custom";
  required?: boolean;
  options?: readonly (string | Option)[];
  min?: number;
  max?: number;
  initial?: unknown;
  help?: string;
  validate?: (value: unknown, values: Values) => string | null;
  /** the names the server gives this field in its errors, when they differ from ``name`` */
  aliases?: string[];
  /** a field of its own making; it sees the other fields' values (a list that depends on a choice) */
  render?: (value: unknown, set: (v: unknown) => void, values: Values) => VNode;
}

export interface FormProps {
  title: string;
  fields: Field[];
  submitLabel: string;
  onSubmit: (values: Values) => Promise<void>;
  onCancel: () => void;
}

const asOption = (o: string | Option): Option => (typeof o === "string" ? { value: o, label: label(o) } : o);

function check(field: Field, value: unknown, values: Values): string | null {
  const empty = value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
  if (field.required && empty) return `${field.label} is required`;
  if (empty) return null;
  if (field.kind === "number") {
    const n = Number(value);
    if (!Number.isFinite(n)) return "a number";
    if (field.min !== undefined && n < field.min) return `at least ${field.min}`;
    if (field.max !== undefined && n > field.max) return `at most ${field.max}`;
  }
  if (field.kind === "position") {
    const read = readPosition(String(value));
    if (typeof read === "string") return read;
  }
  return field.validate ? field.validate(value, values) : null;
}

export function Form(props: FormProps): VNode {
  const [values, setValues] = useState<Values>(() =>
    Object.fromEntries(props.fields.map((f) => [f.name, f.initial ?? (f.kind === "checks" ? [] : f.kind === "checkbox" ? false : "")])),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string>("");
  const [busy, setBusy] = useState(false);

  // from the latest values, not those of the render that made this function: a field that sets
  // itself later (a list read from the server) must not undo what was typed meanwhile
  const latest = useRef<Values>(values);
  latest.current = values;
  const set = (name: string, value: unknown) => {
    const next = { ...latest.current, [name]: value };
    latest.current = next;
    setValues(next);
    const field = props.fields.find((f) => f.name === name)!;
    const message = check(field, value, next);
    setErrors((e) => ({ ...e, [name]: message ?? "" }));
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const found: Record<string, string> = {};
    for (const f of props.fields) {
      const m = check(f, values[f.name], values);
      if (m) found[f.name] = m;
    }
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    setGeneral("");
    try {
      await props.onSubmit(values);
    } catch (error) {
      if (error instanceof ApiError) {
        const known: Record<string, string> = {};
        const unplaced: string[] = [];
        for (const [name, message] of Object.entries(error.byField())) {
          const field = props.fields.find((f) => f.name === name || f.aliases?.includes(name));
          if (field) known[field.name] = message;
          else unplaced.push(message);
        }
        setErrors(known);
        setGeneral(unplaced.length || !Object.keys(known).length ? (unplaced.join("; ") || error.problem.message) : "");
      } else {
        setGeneral(String(error));
      }
    } finally {
      setBusy(false);
    }
  };

  return html`
    <form class="form" onSubmit=${submit} data-form=${props.title} novalidate>
      <h2>${props.title}</h2>
      ${props.fields.map((f) => html`
        <div class="field ${errors[f.name] ? "invalid" : ""}" data-field=${f.name}>
          <label>${f.label}${f.required ? " *" : ""}</label>
          ${input(f, values[f.name], (v) => set(f.name, v), values)}
          ${f.help ? html`<div class="help">${f.help}</div>` : null}
          <div class="error" data-error-for=${f.name}>${errors[f.name] || ""}</div>
        </div>`)}
      ${general ? html`<div class="error general" data-error-for="form">${general}</div>` : null}
      <div class="buttons">
        <button type="submit" class="primary" disabled=${busy} data-submit>${props.submitLabel}</button>
        <button type="button" onClick=${props.onCancel}>Cancel (Esc)</button>
      </div>
    </form>`;
}

function input(f: Field, value: unknown, set: (v: unknown) => void, values: Values): VNode {
  const str = value === undefined || value === null ? "" : String(value);
  const onInput = (e: Event) => set((e.target as HTMLInputElement).value);
  switch (f.kind) {
    case "textarea":
      return html`<textarea name=${f.name} rows="3" value=${str} onInput=${onInput} />`;
    case "number":
      return html`<input name=${f.name} type="number" step="any" min=${f.min} max=${f.max} value=${str} onInput=${onInput} />`;
    case "select":
      return html`<select name=${f.name} value=${str} onChange=${onInput}>
        <option value="">—</option>
        ${(f.options ?? []).map(asOption).map((o) => html`<option value=${o.value}>${o.label}</option>`)}
      </select>`;
    case "checkbox":
      return html`<input name=${f.name} type="checkbox" checked=${Boolean(value)}
        onChange=${(e: Event) => set((e.target as HTMLInputElement).checked)} />`;
    case "checks": {
      const chosen = new Set((value as string[]) ?? []);
      return html`<div class="checks">${(f.options ?? []).map(asOption).map((o) => html`
        <label class="check"><input type="checkbox" name=${`${f.name}:${o.value}`} checked=${chosen.has(o.value)}
          onChange=${(e: Event) => {
            const next = new Set(chosen);
            if ((e.target as HTMLInputElement).checked) next.add(o.value);
            else next.delete(o.value);
            set([...next]);
          }} /> ${o.label}</label>`)}</div>`;
    }
    case "position": {
      const read = str ? readPosition(str) : null;
      const echo = read && typeof read !== "string" ? `${toMgrs(read.lat, read.lon)} · ${read.lat.toFixed(5)}, ${read.lon.toFixed(5)}` : "";
      return html`<input name=${f.name} value=${str} placeholder="MGRS, lat, lon, or 34°30'N 36°06'E" onInput=${onInput} />
        <div class="echo">${echo}</div>`;
    }
    case "custom":
      return f.render!(value, set, values);
    default:
      return html`<input name=${f.name} value=${str} onInput=${onInput} />`;
  }
}

/** A form of a page's own (not the incident's action table) over the page, closed by Esc, Cancel
 * or a click beside it. */
export function FormModal(props: FormProps & { name: string }): VNode {
  const close = useRef(props.onCancel);
  close.current = props.onCancel;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === "Escape") close.current(); };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);
  return html`<div class="modal" data-modal=${props.name} onClick=${(e: Event) => e.target === e.currentTarget && props.onCancel()}>
    <${Form} title=${props.title} submitLabel=${props.submitLabel} fields=${props.fields} onSubmit=${props.onSubmit}
      onCancel=${props.onCancel} /></div>`;
}
