// MIL-STD-2525C symbols (milsymbol), drawn once per kind and kept as small canvases.
import ms from "milsymbol";
import type { Asset, MapIncident } from "./api";
import type { Capability } from "./schema";

export interface Sprite { canvas: HTMLCanvasElement; anchorX: number; anchorY: number; }

const cache = new Map<string, Sprite>();

/** Function IDs by capability, first match wins (affiliation F, status filled in later). */
const BY_CAPABILITY: [Capability, string][] = [
  ["airborne_c2", "APMFRW"], ["rotary_wing_recovery", "APMHH-"], ["air_refueling", "APMFK-"],
  ["close_air_support", "APMFA-"], ["fixed_wing_escort", "APMFA-"], ["isr", "APMFR-"],
  ["armored_reconnaissance", "GPUCRV"], ["special_operations_team", "FPG---"], ["ground_recovery_team", "GPUCI-"],
  ["maritime_surface_recovery", "SPC---"], ["medical", "GPUSM-"], ["pararescue", "APMHH-"],
];

function dimensionCode(asset: Asset): string {
  const type = asset.asset_type.toUpperCase();
  if (type.startsWith("MQ-") || type.includes("UAV")) return "APMFQ-";
  if (type.includes("DDG") || type.includes("DESTROYER")) return "SPCLDD";
  if (type.includes("RHIB") || type.includes("RIB")) return "SPCA--";
  if (type.includes("SEAL")) return "FPNS--";
  if (type.startsWith("MV-22")) return "APMHH-";
  const caps = new Set(asset.capabilities);
  for (const [capability, code] of BY_CAPABILITY) if (caps.has(capability)) return code;
  return "GPU---";
}

/** 15-character SIDC: S, F (friend), dimension, status, function, modifiers. */
export function assetSidc(asset: Asset): string {
  const code = dimensionCode(asset);
  const status = asset.readiness === "ready" ? "C" : asset.readiness === "not_mission_capable" ? "D" : "P";
  return `SF${code[0]}${status}${code.slice(2)}`.padEnd(15, "-");
}

/** Isolated personnel: a friendly dismounted (infantry) symbol; planned/anticipated frame while
 * whereabouts are unknown, damaged status when captured. */
/** Isolated personnel (MIL-STD-2525D land unit 141801, friendly), not a friendly infantry unit:
 * the frame is dashed (planned/anticipated) while whereabouts are unknown (missing, DUSTWUN) and
 * marked damaged when a person is captured. */
export function incidentSidc(incident: MapIncident): string {
  const s = new Set(incident.duty_statuses);
  const status = s.has("captured") ? "3" : s.has("missing") || s.has("dustwun") ? "1" : "0";
  return `100310${status}0001418010000`;
}

/** MIL-STD-2525C tactical points: linkup point, rally point, downed aircrew pickup point (DAPP). */
export function pointSidc(kind: string): string {
  return {
    linkup_point: "GFGPGPPL------X",
    rally_point: "GFGPGPPR------X",
    pickup_point: "GFGPAPD-------X",
    landing_zone: "GFGPAPD-------X",
  }[kind] ?? "GFGPGPP-------X";
}

/** Hostile (H) ground units of MIL-STD-2525C by threat category: air defence missile, air defence
 * gun, short-range air defence (MANPADS teams), infantry (small arms). */
export function threatSidc(category: string): string {
  return {
    surface_to_air_missile: "SHGPUCDM-------",
    anti_aircraft_artillery: "SHGPUCDG-------",
    manpads: "SHGPUCDS-------",
    small_arms: "SHGPUCI--------",
  }[category] ?? "SHGPUCD--------";
}

/** The map is dark in both themes: a symbol's text fields in the map's label colour (milsymbol's
 * default is black), tactical graphics (recovery points: black lines by default) in the friendly
 * frame fill's light blue, so that both stand out from sea and land (WCAG AA). */
const INFO_COLOR = "#e8eef5";
const GRAPHIC_COLOR = "rgb(128, 224, 255)";

export function sprite(sidc: string, options: { size?: number; designation?: string; info?: string; colorMode?: string } = {}): Sprite {
  const key = `${sidc}|${window.devicePixelRatio || 1}|${options.size ?? 22}|${options.designation ?? ""}|${options.info ?? ""}|${options.colorMode ?? ""}`;
  let found = cache.get(key);
  if (!found) {
    const symbol = new ms.Symbol(sidc, {
      size: options.size ?? 22,
      uniqueDesignation: options.designation ?? "",
      additionalInformation: options.info ?? "",
      colorMode: (options.colorMode as "Light") || "Light",
      infoColor: INFO_COLOR,
      ...(sidc.startsWith("G") ? { monoColor: GRAPHIC_COLOR } : {}),
    });
    const anchor = symbol.getAnchor();
    const canvas = symbol.asCanvas(window.devicePixelRatio || 1) as HTMLCanvasElement;
    canvas.dataset.symbol = sidc; // a symbol's picture, not a label's (the contrast check tells them apart)
    found = { canvas, anchorX: anchor.x, anchorY: anchor.y };
    cache.set(key, found);
  }
  return found;
}
