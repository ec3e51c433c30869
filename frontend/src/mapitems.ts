// What the map draws for its items, besides the symbols themselves: incidents clustered at theater
// zoom, symbols at one place fanned out, and labels placed so that none lies over another.
import type { MapItem } from "./map";
import type { Sprite } from "./symbols";

/** Incidents closer than this on the screen are drawn as one cluster when the view holds many. */
const CLUSTER_CELL_PX = 56;
/** Clustering starts when the view holds more incidents than this (a theater's worth). */
const CLUSTER_ABOVE = 150;
/** Labels are drawn from this zoom on, at most this many, none over another. */
export const LABEL_ZOOM = 6;
export const MOST_LABELS = 250;

/** Incidents that fall in one screen cell become one cluster item at their mean position, with
 * their count; a cell of one keeps its incident. Other items are never clustered. */
export function cluster(visible: [MapItem, number, number][], clusterSprite: (n: number, alarm: boolean) => Sprite): [MapItem, number, number][] {
  const incidents = visible.filter(([item]) => item.kind === "incident");
  if (incidents.length <= CLUSTER_ABOVE) return visible;
  const cells = new Map<number, [MapItem, number, number][]>();
  for (const entry of incidents) {
    const key = Math.floor(entry[1] / CLUSTER_CELL_PX) * 100_003 + Math.floor(entry[2] / CLUSTER_CELL_PX);
    const cell = cells.get(key);
    if (cell) cell.push(entry);
    else cells.set(key, [entry]);
  }
  const out = visible.filter(([item]) => item.kind !== "incident");
  for (const [key, cell] of cells) {
    if (cell.length === 1) { out.push(cell[0]); continue; }
    const n = cell.length;
    const lat = cell.reduce((a, [i]) => a + i.lat, 0) / n;
    const lon = cell.reduce((a, [i]) => a + i.lon, 0) / n;
    const x = cell.reduce((a, e) => a + e[1], 0) / n;
    const y = cell.reduce((a, e) => a + e[2], 0) / n;
    const alarm = cell.some(([i]) => i.alarm);
    out.push([{ kind: "cluster", id: `cluster:${key}:${n}`, lat, lon, sprite: clusterSprite(n, alarm),
      label: `${n} incidents`, alarm }, x, y]);
  }
  return out;
}

/** Symbols at one place (assets at one base) fanned out in a ring around it, so each can be seen
 * and clicked; the ring's centre is the true position. */
export function declutter(visible: [MapItem, number, number][]): void {
  const groups = new Map<string, number[]>();
  visible.forEach(([, x, y], i) => {
    const key = `${Math.round(x / 6)}:${Math.round(y / 6)}`;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const radius = 14 + 5 * group.length;
    group.forEach((index, k) => {
      const angle = (2 * Math.PI * k) / group.length - Math.PI / 2;
      const entry = visible[index];
      entry[1] += radius * Math.cos(angle);
      entry[2] += radius * Math.sin(angle);
    });
  }
}

const clusterSprites = new Map<string, Sprite>();

/** A cluster: a disc with the count, ringed red when one of its incidents is overdue. */
export function clusterSprite(n: number, alarm: boolean): Sprite {
  const key = `${n}|${alarm}|${window.devicePixelRatio || 1}`;
  let found = clusterSprites.get(key);
  if (found) return found;
  const dpr = window.devicePixelRatio || 1;
  const r = 13 + Math.min(13, Math.log10(n) * 6);
  const size = Math.ceil(2 * r + 8);
  const canvas = document.createElement("canvas");
  canvas.width = size * dpr;
  canvas.height = size * dpr;
  const ctx = canvas.getContext("2d")!;
  ctx.scale(dpr, dpr);
  ctx.beginPath();
  ctx.arc(size / 2, size / 2, r, 0, 2 * Math.PI);
  ctx.fillStyle = "#e8eef5";
  ctx.fill();
  ctx.lineWidth = alarm ? 4 : 2;
  ctx.strokeStyle = alarm ? "#ff5050" : "#0b0f14";
  ctx.stroke();
  ctx.fillStyle = "#0b0f14";
  ctx.font = "bold 12px system-ui, sans-serif";
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(n >= 10000 ? `${Math.round(n / 1000)}k` : String(n), size / 2, size / 2 + 0.5);
  canvas.dataset.symbol = "cluster";
  found = { canvas, anchorX: size / 2, anchorY: size / 2 };
  clusterSprites.set(key, found);
  return found;
}

/** Labels placed greedily, the first drawn first, none over another or over a symbol. */
export function placeLabels(ctx: CanvasRenderingContext2D, visible: [MapItem, number, number][], most: number): [MapItem, number, number, number][] {
  const taken = new Boxes();
  const dpr = window.devicePixelRatio || 1;
  for (const [item, x, y] of visible) {
    taken.add([x - item.sprite.anchorX, y - item.sprite.anchorY, item.sprite.canvas.width / dpr, item.sprite.canvas.height / dpr]);
  }
  const placed: [MapItem, number, number, number][] = [];
  const order = [...visible].sort((a, b) => LABEL_ORDER[a[0].kind] - LABEL_ORDER[b[0].kind]);
  for (const [item, x, y] of order) {
    if (placed.length >= most) break;
    if (item.kind === "cluster") continue;
    const sw = item.sprite.canvas.width / dpr;
    // a label's width, guessed first (7 px a character), measured only when there may be room
    const guess: Box = [x + sw / 2 + 2, y - 8, item.label.length * 7 + 4, 16];
    if (taken.clashes([guess[0], guess[1], 12, 16])) continue;
    const box: Box = [guess[0], guess[1], ctx.measureText(item.label).width + 4, 16];
    if (taken.clashes(box)) continue;
    taken.add(box);
    placed.push([item, box[0] + 2, y + 4, box[2]]);
  }
  return placed;
}

type Box = [number, number, number, number];
const CELL = 64;

/** Boxes on the screen, bucketed in 64 px cells so that a clash is looked for only nearby. */
class Boxes {
  private cells = new Map<number, Box[]>();

  private *keys(b: Box): Generator<number> {
    for (let cx = Math.floor(b[0] / CELL); cx <= Math.floor((b[0] + b[2]) / CELL); cx++) {
      for (let cy = Math.floor(b[1] / CELL); cy <= Math.floor((b[1] + b[3]) / CELL); cy++) yield cx * 100_003 + cy;
    }
  }

  add(b: Box): void {
    for (const k of this.keys(b)) {
      const found = this.cells.get(k);
      if (found) found.push(b);
      else this.cells.set(k, [b]);
    }
  }

  clashes(b: Box): boolean {
    for (const k of this.keys(b)) {
      for (const o of this.cells.get(k) ?? []) {
        if (b[0] < o[0] + o[2] && o[0] < b[0] + b[2] && b[1] < o[1] + o[3] && o[1] < b[1] + b[3]) return true;
      }
    }
    return false;
  }
}

/** Which labels win a place first: incidents, then threats, then recovery points, then assets. */
const LABEL_ORDER: Record<MapItem["kind"], number> = { incident: 0, threat: 1, point: 2, asset: 3, cluster: 4 };
