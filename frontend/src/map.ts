// The map: an offline world basemap (Natural Earth via world-atlas), optional MBTiles raster tiles
// from the server, a threat heatmap, a search's probability map, threat / civil / PSYOP / weather and
// search areas, a route, uncertainty circles and engagement rings, and MIL-STD-2525 symbols, on one canvas.
//
// Coordinates follow the "slippy map" Web Mercator: at zoom z the world is 256·2^z pixels wide,
// so server tiles line up. Everything but the pan offset is drawn into an off-screen "scene"
// larger than the screen by MARGIN on each side; panning only moves that picture (one drawImage
// per frame) until the view nears its edge, then the scene is drawn again.
import { geoBounds, geoGraticule10, geoMercator, geoPath } from "d3-geo";
import type { Feature, FeatureCollection, Geometry } from "geojson";
import { feature } from "topojson-client";
import type { Topology } from "topojson-specification";
import world110 from "world-atlas/countries-110m.json?url";
import world50 from "world-atlas/countries-50m.json?url";
import { cluster, clusterSprite, declutter, LABEL_ZOOM, MOST_LABELS, placeLabels } from "./mapitems";
import type { Sprite } from "./symbols";

export interface MapItem {
  kind: "incident" | "asset" | "point" | "threat" | "cluster";
  id: string;
  lat: number;
  lon: number;
  sprite: Sprite;
  label: string;
  radiusM?: number;
  /** a weapon's engagement envelope on the ground: minimum and maximum range */
  rangesM?: [number, number];
  alarm?: boolean;
}

/** An area from an intelligence layer, drawn under the symbols; clicking inside selects it. */
export interface MapArea {
  id: string;
  ring: [number, number][]; // [lat, lon] vertices
  fill: string;
  stroke: string;
  dash: number[];
  label: string;
  /** the outline's width in pixels (default 1.5) */
  width?: number;
}

/** A line being measured: from, to, and what it reads (range and bearing). */
export interface Measure { from: [number, number]; to: [number, number]; label: string; }

/** A picture in geographic (lat/lon) rows, such as the threat heatmap, and where it lies. */
interface Overlay { image: HTMLImageElement; url: string; south: number; west: number; north: number; east: number; z: number; }
export interface Bounds { south: number; west: number; north: number; east: number; }
/** A picture fixed on the ground, such as a search's probability map: its address and where it lies. */
export interface GeoPicture extends Bounds { url: string; }

/** Countries with their bounding boxes, so a scene draws only those it can see. */
interface Country { shape: Feature<Geometry>; west: number; south: number; east: number; north: number; }
type Basemap = Country[];

const MARGIN = 384;
const EARTH_M = 40075016.686;
const TILE = 256;

const mercX = (lon: number) => (lon + 180) / 360;
const mercY = (lat: number) => {
  const phi = (Math.max(-85.05, Math.min(85.05, lat)) * Math.PI) / 180;
  return (1 - Math.log(Math.tan(phi) + 1 / Math.cos(phi)) / Math.PI) / 2;
};
const lonOf = (x: number) => x * 360 - 180;
const latOf = (y: number) => (Math.atan(Math.sinh(Math.PI * (1 - 2 * y))) * 180) / Math.PI;

const basemaps = new Map<string, Promise<Basemap>>();

/** Each world file is fetched and parsed once per page, however often the map is opened. */
function basemap(url: string): Promise<Basemap> {
  let found = basemaps.get(url);
  if (!found) {
    found = loadBasemap(url);
    basemaps.set(url, found);
    found.catch(() => basemaps.delete(url));
  }
  return found;
}

async function loadBasemap(url: string): Promise<Basemap> {
  const topology = (await (await fetch(url)).json()) as Topology;
  const countries = feature(topology, topology.objects.countries) as unknown as FeatureCollection<Geometry>;
  return countries.features.map((shape) => {
    const [[west, south], [east, north]] = geoBounds(shape);
    // a country across the antimeridian reports west > east: treat it as spanning every longitude
    return west <= east ? { shape, west, south, east, north } : { shape, west: -180, south, east: 180, north };
  });
}

/** Whether a point is inside a polygon of [lat, lon] vertices (even-odd rule). */
function inside(ring: [number, number][], lat: number, lon: number): boolean {
  let found = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [yi, xi] = ring[i];
    const [yj, xj] = ring[j];
    if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) found = !found;
  }
  return found;
}

export class CopMap {
  readonly canvas: HTMLCanvasElement;
  private ctx: CanvasRenderingContext2D;
  private scene = document.createElement("canvas");
  /** the next scene, painted a phase per frame ahead of a pan, then swapped in */
  private back = document.createElement("canvas");
  private ahead: { x: number; y: number; phase: number; costMs: number } | null = null;
  private z = 6;
  private viewX = 0; // world pixel at the screen's left edge
  private viewY = 0;
  private sceneX = 0; // viewX when the scene was drawn
  private sceneY = 0;
  private width = 0;
  private height = 0;
  private items: MapItem[] = [];
  private coarse: Basemap | null = null;
  private fine: Basemap | null = null;
  private tiles = new Map<string, HTMLImageElement | "loading" | "missing">();
  private selected: string | null = null;
  private areas: MapArea[] = [];
  private route: [number, number][] | null = null;
  private overlaySource: ((bounds: Bounds) => string) | null = null;
  private overlay: Overlay | null = null;
  private overlayTimer = 0;
  private overlayWanted = "";
  private picture: Overlay | null = null;
  private pictureWanted = "";
  private fitted: { bounds: Bounds; margin: number } | null = null; // kept fitted while the box settles
  private drawn: [MapItem, number, number][] = []; // items where the scene drew them (scene pixels)
  private dirty = true;
  private drag: { x: number; y: number; travelled: number } | null = null;
  private observer: ResizeObserver | null = null;
  private destroyed = false;
  private frame = 0;
  palette = { sea: "#0a1624", land: "#1d2a36", border: "#3d5163", grid: "#15263a", ring: "#ff5050", select: "#ffd24a" };
  onSelect: (item: { id: string } | null) => void = () => {};
  onCursor: (lat: number, lon: number) => void = () => {};
  framesDrawn = 0;
  /** areas and route vertices in the last scene, heatmap pictures loaded (tests read these) */
  areasDrawn = 0;
  routeDrawn = 0;
  overlaysLoaded = 0;
  scenesDrawn = 0;
  /** ids of the areas in the last scene, fixed pictures loaded and the one in the last scene ("" for none) */
  areaIdsDrawn: string[] = [];
  picturesLoaded = 0;
  pictureDrawn = "";
  /** ms since navigation when the basemap and the symbols were first on screen together */
  /** labels the last scene found room for (test hook) */
  labelsDrawn = 0;
  /** the line being measured, drawn over the scene on every frame */
  private measure: Measure | null = null;
  /** a click on the map, before symbols are hit: true when it was taken (measuring) */
  onClickMap: ((lat: number, lon: number) => boolean) | null = null;
  firstUsefulPaintMs: number | null = null;
  /** ms of work per frame drawn (the benchmark reads these) */
  drawCostsMs: number[] = [];
  /** ms to redraw the whole scene (basemap and every symbol), each time it was needed */
  sceneCostsMs: number[] = [];

  constructor(readonly host: HTMLElement, private tileUrl: string | null) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "map-canvas";
    this.canvas.tabIndex = 0;
    host.appendChild(this.canvas);
    this.ctx = this.canvas.getContext("2d")!;
    this.bind();
    this.resize();
    this.centerOn(40.0, 9.0, 7);
    void basemap(world110).then((b) => { this.coarse = b; this.invalidate(); }).catch(() => undefined);
    void basemap(world50).then((b) => { this.fine = b; this.invalidate(); }).catch(() => undefined);
  }

  get ready(): boolean {
    return this.coarse !== null && this.scenesDrawn > 0;
  }

  setItems(items: MapItem[]): void {
    this.items = items;
    this.invalidate();
  }

  setAreas(areas: MapArea[]): void {
    this.areas = areas;
    this.invalidate();
  }

  /** A route to draw, [lat, lon] vertices, or null for none. */
  setRoute(path: [number, number][] | null): void {
    this.route = path && path.length > 1 ? path : null;
    this.invalidate();
  }

  /** A heatmap over the view: ``source`` turns the scene's bounds into the picture's address; it is
   * fetched again when the view leaves the picture or the zoom changes. Null turns it off. */
  setOverlay(source: ((bounds: Bounds) => string) | null): void {
    this.overlaySource = source;
    if (!source) this.overlay = null; // else the old picture stays up until its successor arrives
    this.overlayWanted = "";
    this.invalidate();
  }

  /** A picture over fixed bounds (a search's probability map), whatever the view; null for none. The
   * one shown stays up until its successor has arrived; one that cannot be loaded is taken down. */
  setPicture(picture: GeoPicture | null): void {
    if (!picture) {
      this.picture = null;
      this.pictureWanted = "";
      this.invalidate();
      return;
    }
    const { url, south, west, north, east } = picture;
    if (url === this.pictureWanted) return;
    this.pictureWanted = url;
    if (this.picture?.url === url) return;
    const image = new Image();
    image.onload = () => {
      if (this.destroyed || this.pictureWanted !== url) return;
      this.picture = { image, url, south, west, north, east, z: this.z };
      this.picturesLoaded++;
      this.invalidate();
    };
    image.onerror = () => {
      if (this.pictureWanted !== url) return;
      this.picture = null; // not the old picture, as if it were this one
      this.pictureWanted = "";
      this.invalidate();
    };
    image.src = url;
  }

  /** Show a region whole, with a margin of screen pixels around it. */
  fitBounds(b: Bounds, margin = 24): void {
    this.fitted = { bounds: b, margin };
    const dx = Math.max(1e-12, mercX(b.east) - mercX(b.west));
    const dy = Math.max(1e-12, mercY(b.south) - mercY(b.north));
    const scale = Math.min((this.width - 2 * margin) / (dx * TILE), (this.height - 2 * margin) / (dy * TILE));
    this.z = Math.max(2, Math.min(17, Math.floor(Math.log2(Math.max(scale, 1e-9)) * 4) / 4));
    const world = TILE * 2 ** this.z;
    this.viewX = ((mercX(b.west) + mercX(b.east)) / 2) * world - this.width / 2;
    this.viewY = ((mercY(b.north) + mercY(b.south)) / 2) * world - this.height / 2;
    this.invalidate();
  }

  /** The view's bounds, for links such as the threat-map export. */
  viewBounds(): Bounds {
    const world = TILE * 2 ** this.z;
    return this.boundsOf(this.viewX, this.viewY, this.width, this.height, world);
  }

  private boundsOf(x: number, y: number, w: number, h: number, world: number): Bounds {
    const clampLat = (v: number) => Math.max(-85, Math.min(85, v));
    const clampLon = (v: number) => Math.max(-180, Math.min(180, v));
    return {
      south: clampLat(latOf((y + h) / world)), north: clampLat(latOf(y / world)),
      west: clampLon(lonOf(x / world)), east: clampLon(lonOf((x + w) / world)),
    };
  }

  select(id: string | null): void {
    this.selected = id;
    this.invalidate();
  }

  centerOn(lat: number, lon: number, z = this.z): void {
    this.fitted = null;
    this.z = Math.max(2, Math.min(17, z));
    const world = TILE * 2 ** this.z;
    this.viewX = mercX(lon) * world - this.width / 2;
    this.viewY = mercY(lat) * world - this.height / 2;
    this.invalidate();
  }

  /** Move the view by screen pixels (also the test hook for panning). */
  panBy(dx: number, dy: number): void {
    this.fitted = null;
    this.viewX -= dx;
    this.viewY -= dy;
    const off = Math.max(Math.abs(this.viewX - this.sceneX), Math.abs(this.viewY - this.sceneY));
    if (off > MARGIN * 0.8) {
      this.dirty = true; // no time to paint ahead (a long jump): now, in this frame
      this.ahead = null;
    } else if (off > MARGIN * 0.35 && !this.ahead && !this.dirty) {
      // the view is heading off the scene: paint the next one around it, a phase per frame
      this.ahead = { x: this.viewX, y: this.viewY, phase: 0, costMs: 0 };
    }
    this.request();
  }

  zoomAt(screenX: number, screenY: number, dz: number): void {
    this.fitted = null;
    const before = TILE * 2 ** this.z;
    const wx = (this.viewX + screenX) / before;
    const wy = (this.viewY + screenY) / before;
    this.z = Math.max(2, Math.min(17, this.z + dz));
    const after = TILE * 2 ** this.z;
    this.viewX = wx * after - screenX;
    this.viewY = wy * after - screenY;
    this.invalidate();
  }

  toLatLon(screenX: number, screenY: number): { lat: number; lon: number } {
    const world = TILE * 2 ** this.z;
    return { lon: lonOf((this.viewX + screenX) / world), lat: latOf((this.viewY + screenY) / world) };
  }

  /** Where a place is on screen now (test hook: to click inside an area). */
  toScreen(lat: number, lon: number): { x: number; y: number } {
    const world = TILE * 2 ** this.z;
    return { x: mercX(lon) * world - this.viewX, y: mercY(lat) * world - this.viewY };
  }

  resize(): void {
    const rect = this.host.getBoundingClientRect();
    this.width = Math.max(200, Math.floor(rect.width));
    this.height = Math.max(200, Math.floor(rect.height));
    this.canvas.width = this.width;
    this.canvas.height = this.height;
    this.scene.width = this.back.width = this.width + 2 * MARGIN;
    this.scene.height = this.back.height = this.height + 2 * MARGIN;
    this.ahead = null;
    if (this.fitted) this.fitBounds(this.fitted.bounds, this.fitted.margin);
    this.invalidate();
  }

  destroy(): void {
    this.destroyed = true;
    window.clearTimeout(this.overlayTimer);
    cancelAnimationFrame(this.frame);
    this.observer?.disconnect();
    this.canvas.remove();
  }

  private invalidate(): void {
    this.dirty = true;
    this.ahead = null;
    this.request();
  }

  private request(): void {
    if (this.destroyed) return;
    if (!this.frame) this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  private draw(): void {
    const started = performance.now();
    if (this.dirty) {
      this.drawScene();
      if (this.sceneCostsMs.length < 10_000) this.sceneCostsMs.push(performance.now() - started);
    } else if (this.ahead) {
      this.paintAhead(this.ahead);
    }
    const ctx = this.ctx;
    ctx.drawImage(this.scene, -MARGIN + (this.sceneX - this.viewX), -MARGIN + (this.sceneY - this.viewY));
    if (this.measure) this.drawMeasure(ctx, this.measure);
    this.framesDrawn++;
    const done = performance.now();
    if (this.drawCostsMs.length < 10_000) this.drawCostsMs.push(done - started);
    if (this.firstUsefulPaintMs === null && this.coarse && this.items.length) this.firstUsefulPaintMs = done;
  }

  private drawScene(): void {
    this.dirty = false;
    this.ahead = null;
    this.sceneX = this.viewX;
    this.sceneY = this.viewY;
    const ctx = this.scene.getContext("2d")!;
    const world = TILE * 2 ** this.z;
    const ox = this.viewX - MARGIN; // world pixel at the scene's left edge
    const oy = this.viewY - MARGIN;
    this.paintBase(ctx, world, ox, oy);
    this.paintLayers(ctx, world, ox, oy);
    this.drawn = this.drawItems(ctx, world, ox, oy);
    this.scenesDrawn++;
  }

  /** One phase of the next scene (the basemap; the layers; the symbols, then the swap): a pan
   * never waits for a whole scene in one frame. */
  private paintAhead(a: { x: number; y: number; phase: number; costMs: number }): void {
    const started = performance.now();
    const ctx = this.back.getContext("2d")!;
    const world = TILE * 2 ** this.z;
    const ox = a.x - MARGIN;
    const oy = a.y - MARGIN;
    if (a.phase === 0) this.paintBase(ctx, world, ox, oy);
    else if (a.phase === 1) this.paintLayers(ctx, world, ox, oy);
    else {
      const drawn = this.drawItems(ctx, world, ox, oy);
      [this.scene, this.back] = [this.back, this.scene];
      this.sceneX = a.x;
      this.sceneY = a.y;
      this.drawn = drawn;
      this.ahead = null;
      this.scenesDrawn++;
    }
    a.phase++;
    a.costMs += performance.now() - started;
    if (!this.ahead && this.sceneCostsMs.length < 10_000) this.sceneCostsMs.push(a.costMs);
    if (this.ahead) this.request();
  }

  /** The sea, the land, the detailed tiles and the graticule. */
  private paintBase(ctx: CanvasRenderingContext2D, world: number, ox: number, oy: number): void {
    const width = this.scene.width;
    const height = this.scene.height;
    ctx.fillStyle = this.palette.sea;
    ctx.fillRect(0, 0, width, height);
    // clipped to the scene: at theater zoom only a sliver of the world's polygons is filled
    const projection = geoMercator()
      .scale(world / (2 * Math.PI))
      .translate([world / 2 - ox, world / 2 - oy])
      .clipExtent([[-4, -4], [width + 4, height + 4]]);
    const path = geoPath(projection, ctx);
    const basemap = this.z >= 4 && this.fine ? this.fine : this.coarse;
    if (basemap) {
      const west = lonOf(ox / world);
      const east = lonOf((ox + width) / world);
      const north = latOf(oy / world);
      const south = latOf((oy + height) / world);
      const seen = basemap.filter((c) => c.east >= west && c.west <= east && c.north >= south && c.south <= north);
      ctx.beginPath();
      for (const c of seen) path(c.shape);
      ctx.fillStyle = this.palette.land;
      ctx.fill();
      ctx.strokeStyle = this.palette.border;
      ctx.lineWidth = 0.8;
      ctx.stroke();
    }
    if (this.tileUrl) this.drawTiles(ctx, ox, oy);
    ctx.beginPath();
    path(geoGraticule10());
    ctx.strokeStyle = this.palette.grid;
    ctx.lineWidth = 0.5;
    ctx.stroke();
  }

  /** The heatmap, the search picture, the areas and the route. */
  private paintLayers(ctx: CanvasRenderingContext2D, world: number, ox: number, oy: number): void {
    if (this.overlaySource) this.drawOverlay(ctx, world, ox, oy);
    if (this.picture) this.drawStrips(ctx, this.picture, world, ox, oy, 0.85);
    this.pictureDrawn = this.picture?.url ?? "";
    this.drawAreas(ctx, world, ox, oy);
    this.drawRoute(ctx, world, ox, oy);
  }

  /** The view's heatmap: fetched for the scene's bounds, kept while it covers them. */
  private drawOverlay(ctx: CanvasRenderingContext2D, world: number, ox: number, oy: number): void {
    const want = this.boundsOf(ox, oy, this.scene.width, this.scene.height, world);
    const have = this.overlay;
    const covers = have && have.z === this.z && have.south <= want.south && have.north >= want.north
      && have.west <= want.west && have.east >= want.east;
    // a picture of the old layers (another source) is replaced even where it covers the view
    const current = have && this.overlaySource && this.overlayWanted === "" ? false : covers;
    if (!current) this.fetchOverlay(want);
    else if (have && this.overlayWanted !== have.url) {
      window.clearTimeout(this.overlayTimer); // back where the picture is: forget the pending one
      this.overlayWanted = have.url;
    }
    if (have) this.drawStrips(ctx, have, world, ox, oy, 0.7);
  }

  /** A picture in latitude rows, in horizontal strips so its rows land on Mercator rows. */
  private drawStrips(ctx: CanvasRenderingContext2D, have: Overlay, world: number, ox: number, oy: number, alpha: number): void {
    const strips = 64;
    const img = have.image;
    const x1 = mercX(have.west) * world - ox;
    const x2 = mercX(have.east) * world - ox;
    ctx.globalAlpha = alpha;
    for (let k = 0; k < strips; k++) {
      const top = have.north - ((have.north - have.south) * k) / strips;
      const bottom = have.north - ((have.north - have.south) * (k + 1)) / strips;
      const y1 = mercY(top) * world - oy;
      const y2 = mercY(bottom) * world - oy;
      const sy = (img.naturalHeight * k) / strips;
      ctx.drawImage(img, 0, sy, img.naturalWidth, img.naturalHeight / strips, x1, y1, x2 - x1, y2 - y1 + 0.5);
    }
    ctx.globalAlpha = 1;
  }

  private fetchOverlay(bounds: Bounds): void {
    if (!this.overlaySource || bounds.south >= bounds.north || bounds.west >= bounds.east) return;
    const url = this.overlaySource(bounds);
    if (url === this.overlayWanted) return;
    this.overlayWanted = url;
    const z = this.z;
    window.clearTimeout(this.overlayTimer);
    this.overlayTimer = window.setTimeout(() => {
      const image = new Image();
      image.onload = () => {
        if (this.overlayWanted !== url) return; // the view moved on while it loaded
        this.overlay = { image, url, ...bounds, z };
        this.overlaysLoaded++;
        this.invalidate();
      };
      image.onerror = () => { if (this.overlayWanted === url) this.overlayWanted = ""; };
      image.src = url;
    }, 250);
  }

  private drawAreas(ctx: CanvasRenderingContext2D, world: number, ox: number, oy: number): void {
    let drawn = 0;
    const ids: string[] = [];
    ctx.font = "11px system-ui, sans-serif";
    for (const area of this.areas) {
      const points = area.ring.map(([lat, lon]) => [mercX(lon) * world - ox, mercY(lat) * world - oy]);
      const xs = points.map((p) => p[0]);
      const ys = points.map((p) => p[1]);
      if (Math.max(...xs) < 0 || Math.min(...xs) > this.scene.width || Math.max(...ys) < 0 || Math.min(...ys) > this.scene.height) continue;
      ctx.beginPath();
      points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.closePath();
      ctx.fillStyle = area.fill;
      ctx.fill();
      ctx.strokeStyle = area.id === this.selected ? this.palette.select : area.stroke;
      ctx.lineWidth = area.id === this.selected ? Math.max(2.5, area.width ?? 0) : area.width ?? 1.5;
      ctx.setLineDash(area.dash);
      ctx.stroke();
      ctx.setLineDash([]);
      if (this.z >= 9) {
        ctx.fillStyle = area.stroke;
        ctx.fillText(area.label, Math.min(...xs) + 4, Math.min(...ys) + 13);
      }
      drawn++;
      ids.push(area.id);
    }
    this.areasDrawn = drawn;
    this.areaIdsDrawn = ids;
  }

  /** The measured line and its reading, over the scene (it follows the cursor without redrawing the scene). */
  private drawMeasure(ctx: CanvasRenderingContext2D, m: Measure): void {
    const a = this.toScreen(m.from[0], m.from[1]);
    const b = this.toScreen(m.to[0], m.to[1]);
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.strokeStyle = "rgba(8, 12, 18, 0.9)";
    ctx.lineWidth = 5;
    ctx.stroke();
    ctx.strokeStyle = "#ffd24a";
    ctx.lineWidth = 2;
    ctx.setLineDash([8, 5]);
    ctx.stroke();
    ctx.setLineDash([]);
    for (const p of [a, b]) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, 4, 0, 2 * Math.PI);
      ctx.fillStyle = "#ffd24a";
      ctx.fill();
    }
    ctx.font = "bold 13px system-ui, sans-serif";
    ctx.lineJoin = "round";
    ctx.lineWidth = 4;
    ctx.strokeStyle = "rgba(8, 12, 18, 0.95)";
    ctx.fillStyle = "#ffd24a";
    ctx.strokeText(m.label, b.x + 10, b.y - 8);
    ctx.fillText(m.label, b.x + 10, b.y - 8);
  }

  /** Show a measured line (or none). */
  setMeasure(m: Measure | null): void {
    this.measure = m;
    this.request();
  }

  private drawRoute(ctx: CanvasRenderingContext2D, world: number, ox: number, oy: number): void {
    this.routeDrawn = 0;
    if (!this.route) return;
    ctx.beginPath();
    this.route.forEach(([lat, lon], i) => {
      const x = mercX(lon) * world - ox;
      const y = mercY(lat) * world - oy;
      if (i) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
    });
    ctx.strokeStyle = "rgba(0, 0, 0, 0.6)";
    ctx.lineWidth = 6;
    ctx.stroke();
    ctx.strokeStyle = "#3ee0ff";
    ctx.lineWidth = 3;
    ctx.stroke();
    this.routeDrawn = this.route.length;
  }

  /** The symbols, their circles and rings and their labels; answers where each was drawn. */
  private drawItems(ctx: CanvasRenderingContext2D, world: number, ox: number, oy: number): [MapItem, number, number][] {
    const w = this.scene.width;
    const h = this.scene.height;
    const inView: [MapItem, number, number][] = [];
    for (const item of this.items) {
      const x = mercX(item.lon) * world - ox;
      const y = mercY(item.lat) * world - oy;
      if (x > -64 && y > -64 && x < w + 64 && y < h + 64) inView.push([item, x, y]);
    }
    const visible = cluster(inView, clusterSprite);
    if (visible.length < 2000) declutter(visible);
    ctx.beginPath();
    for (const [item, x, y] of visible) {
      if (!item.radiusM) continue;
      const lat = Math.max(-85.05, Math.min(85.05, item.lat)); // as the projection clamps it
      const r = item.radiusM / ((EARTH_M * Math.cos((lat * Math.PI) / 180)) / world);
      if (r < 2) continue;
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.fillStyle = "rgba(255, 196, 0, 0.10)";
    ctx.strokeStyle = "rgba(255, 196, 0, 0.75)";
    ctx.setLineDash([6, 4]);
    ctx.lineWidth = 1.2;
    ctx.fill();
    ctx.stroke();
    ctx.setLineDash([]);
    for (const [item, x, y] of visible) {
      if (!item.rangesM) continue;
      const lat = Math.max(-85.05, Math.min(85.05, item.lat));
      const perPixel = (EARTH_M * Math.cos((lat * Math.PI) / 180)) / world;
      const [inner, outer] = item.rangesM.map((m) => m / perPixel);
      ctx.beginPath();
      ctx.arc(x, y, Math.max(outer, 1), 0, 2 * Math.PI);
      ctx.fillStyle = "rgba(255, 60, 60, 0.07)";
      ctx.fill();
      ctx.strokeStyle = "rgba(255, 70, 70, 0.9)";
      ctx.lineWidth = 1.5;
      ctx.stroke();
      if (inner >= 2) {
        ctx.beginPath();
        ctx.arc(x, y, inner, 0, 2 * Math.PI);
        ctx.setLineDash([3, 3]);
        ctx.lineWidth = 1;
        ctx.stroke();
        ctx.setLineDash([]);
      }
    }
    ctx.font = "12px system-ui, sans-serif";
    const labels = this.z >= LABEL_ZOOM ? placeLabels(ctx, visible, MOST_LABELS) : [];
    for (const [item, x, y] of visible) {
      const s = item.sprite;
      const dpr = window.devicePixelRatio || 1;
      const sw = s.canvas.width / dpr;
      const sh = s.canvas.height / dpr;
      if (item.alarm) {
        ctx.beginPath();
        ctx.arc(x, y, Math.max(sw, sh) / 2 + 4, 0, 2 * Math.PI);
        ctx.strokeStyle = this.palette.ring;
        ctx.lineWidth = 3;
        ctx.stroke();
      }
      ctx.drawImage(s.canvas, x - s.anchorX, y - s.anchorY, sw, sh);
      if (item.id === this.selected) {
        ctx.strokeStyle = this.palette.select;
        ctx.lineWidth = 2;
        ctx.strokeRect(x - s.anchorX - 3, y - s.anchorY - 3, sw + 6, sh + 6);
      }
    }
    // a dark halo under light text: legible on sea, land, the heatmap and a neighbour's symbol
    ctx.lineJoin = "round";
    ctx.lineWidth = 3;
    ctx.strokeStyle = "rgba(8, 12, 18, 0.92)";
    ctx.fillStyle = "#e8eef5";
    for (const [item, x, y] of labels) {
      ctx.strokeText(item.label, x, y);
      ctx.fillText(item.label, x, y);
    }
    this.labelsDrawn = labels.length;
    return visible;
  }

  private drawTiles(ctx: CanvasRenderingContext2D, ox: number, oy: number): void {
    const zi = Math.min(22, Math.max(0, Math.floor(this.z)));
    const scale = 2 ** (this.z - zi);
    const size = TILE * scale;
    const n = 2 ** zi;
    for (let tx = Math.floor(ox / size); tx <= Math.floor((ox + this.scene.width) / size); tx++) {
      for (let ty = Math.floor(oy / size); ty <= Math.floor((oy + this.scene.height) / size); ty++) {
        if (ty < 0 || ty >= n) continue;
        const x = ((tx % n) + n) % n;
        const key = `${zi}/${x}/${ty}`;
        const tile = this.tiles.get(key);
        if (tile instanceof HTMLImageElement) ctx.drawImage(tile, tx * size - ox, ty * size - oy, size, size);
        else if (!tile) this.fetchTile(key);
      }
    }
  }

  private fetchTile(key: string): void {
    this.tiles.set(key, "loading");
    const image = new Image();
    image.onload = () => { this.tiles.set(key, image); this.invalidate(); };
    image.onerror = () => this.tiles.set(key, "missing");
    image.src = `${this.tileUrl}/${key}`;
  }

  /** The symbol drawn nearest to a screen point (within 18 px), as the scene placed it. */
  hit(screenX: number, screenY: number): MapItem | null {
    const sx = screenX + MARGIN + (this.viewX - this.sceneX);
    const sy = screenY + MARGIN + (this.viewY - this.sceneY);
    let best: MapItem | null = null;
    let bestD = 18 * 18;
    for (const [item, x, y] of this.drawn) {
      const d = (x - sx) ** 2 + (y - sy) ** 2;
      if (d < bestD) { bestD = d; best = item; }
    }
    return best;
  }

  /** Where a drawn item is on screen now (test hook: to click a symbol). */
  screenPosition(id: string): { x: number; y: number } | null {
    const found = this.drawn.find(([item]) => item.id === id);
    if (!found) return null;
    return { x: found[1] - MARGIN - (this.viewX - this.sceneX), y: found[2] - MARGIN - (this.viewY - this.sceneY) };
  }

  get drawnCount(): number {
    return this.drawn.length;
  }

  /** Clusters in the last scene (test hook). */
  get clusterCount(): number {
    return this.drawn.filter(([item]) => item.kind === "cluster").length;
  }

  /** The areas drawn, by id (test hook). */
  get areaIds(): string[] {
    return this.areas.map((a) => a.id);
  }

  /** The smallest area under a screen point, if any. */
  hitArea(screenX: number, screenY: number): MapArea | null {
    const { lat, lon } = this.toLatLon(screenX, screenY);
    let best: MapArea | null = null;
    let bestSize = Infinity;
    for (const area of this.areas) {
      if (!inside(area.ring, lat, lon)) continue;
      const lats = area.ring.map((p) => p[0]);
      const lons = area.ring.map((p) => p[1]);
      const size = (Math.max(...lats) - Math.min(...lats)) * (Math.max(...lons) - Math.min(...lons));
      if (size < bestSize) { bestSize = size; best = area; }
    }
    return best;
  }

  private bind(): void {
    const c = this.canvas;
    c.addEventListener("pointerdown", (e) => {
      this.drag = { x: e.clientX, y: e.clientY, travelled: 0 };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      const rect = c.getBoundingClientRect();
      const here = this.toLatLon(e.clientX - rect.left, e.clientY - rect.top);
      this.onCursor(here.lat, here.lon);
      if (!this.drag) return;
      const dx = e.clientX - this.drag.x;
      const dy = e.clientY - this.drag.y;
      this.panBy(dx, dy);
      this.drag = { x: e.clientX, y: e.clientY, travelled: this.drag.travelled + Math.abs(dx) + Math.abs(dy) };
    });
    c.addEventListener("pointerup", (e) => {
      const dragged = this.drag !== null && this.drag.travelled > 4; // the end of a pan is not a click
      this.drag = null;
      if (dragged) return;
      const rect = c.getBoundingClientRect();
      const x = e.clientX - rect.left;
      const y = e.clientY - rect.top;
      const at = this.toLatLon(x, y);
      if (this.onClickMap?.(at.lat, at.lon)) return;
      const item = this.hit(x, y) ?? this.hitArea(x, y);
      if (item && "kind" in item && item.kind === "cluster") {
        this.centerOn(item.lat, item.lon, this.z + 2); // a cluster opens by zooming in on it
        return;
      }
      this.select(item?.id ?? null);
      this.onSelect(item);
    });
    c.addEventListener("pointercancel", () => { this.drag = null; });
    c.addEventListener("wheel", (e) => {
      e.preventDefault();
      const rect = c.getBoundingClientRect();
      // a wheel notch (about 100) zooms half a level; a trackpad's small deltas zoom smoothly
      const dz = Math.max(-0.5, Math.min(0.5, -e.deltaY / 200));
      this.zoomAt(e.clientX - rect.left, e.clientY - rect.top, dz);
    }, { passive: false });
    c.addEventListener("keydown", (e) => {
      const step = 80;
      const moves: Record<string, [number, number]> = {
        ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step],
      };
      if (moves[e.key]) { e.preventDefault(); this.panBy(...moves[e.key]); }
      if (e.key === "+" || e.key === "=") this.zoomAt(this.width / 2, this.height / 2, 0.5);
      if (e.key === "-") this.zoomAt(this.width / 2, this.height / 2, -0.5);
    });
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.host);
  }
}
