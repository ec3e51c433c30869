// The map, on OpenLayers: the offline world basemap the server packages (land and coasts at
// Natural Earth 1:10m, borders, GeoNames place names, as vector tiles), the relief of the configured
// elevation, optional MBTiles raster tiles, the MGRS grid, a threat heatmap, a search's probability
// map, threat / civil / PSYOP / weather and search areas, a route, uncertainty circles and
// engagement rings, and MIL-STD-2525 symbols (incidents clustered at theater zoom), with labels
// placed so that none lies over another.
//
// The class keeps the small interface the views use (items, areas, route, pictures, fit, centre,
// select, measure) and the read-outs the tests and the benchmark use (drawn symbols, where each is
// on screen, frames and their cost).
import "ol/ol.css";
import OlMap from "ol/Map";
import View from "ol/View";
import Feature, { type FeatureLike } from "ol/Feature";
import { Attribution, ScaleLine, Zoom } from "ol/control";
import { defaults as defaultInteractions } from "ol/interaction/defaults";
import MVT from "ol/format/MVT";
import ImageLayer from "ol/layer/Image";
import TileLayer from "ol/layer/Tile";
import VectorLayer from "ol/layer/Vector";
import VectorTileLayer from "ol/layer/VectorTile";
import Circle from "ol/geom/Circle";
import LineString from "ol/geom/LineString";
import Point from "ol/geom/Point";
import Polygon from "ol/geom/Polygon";
import { fromLonLat, toLonLat, transformExtent } from "ol/proj";
import ClusterSource from "ol/source/Cluster";
import ImageStatic from "ol/source/ImageStatic";
import VectorSource from "ol/source/Vector";
import VectorTileSource from "ol/source/VectorTile";
import XYZ from "ol/source/XYZ";
import { Circle as CircleStyle, Fill, Icon, RegularShape, Stroke, Style, Text } from "ol/style";
import type { Geometry } from "ol/geom";
import { clusterSprite, LABEL_ZOOM, MOST_LABELS, placeLabels } from "./mapitems";
import { mgrsGrid } from "./mgrsgrid";
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

export interface Bounds { south: number; west: number; north: number; east: number; }
/** A picture fixed on the ground, such as a search's probability map: its address and where it lies. */
export interface GeoPicture extends Bounds { url: string; }

/** What the server offers under the world basemap: detailed raster tiles, relief. */
export interface MapSources { basemap_tiles?: boolean; hillshade?: boolean; }

const MIN_ZOOM = 2;
/** Pixels around the view that the symbol layers draw too, so that a drag reveals them at once. */
const MARGIN = 384;
const MAX_ZOOM = 17;
/** Incidents closer than this on the screen are drawn as one cluster when the view holds many. */
const CLUSTER_PX = 56;
/** Clustering starts when the view holds more incidents than this (a theater's worth). */
const CLUSTER_ABOVE = 150;
const HALO = "rgba(8, 12, 18, 0.92)";
const LABEL_FONT = "12px system-ui, sans-serif";
const ATTRIBUTION = "Coasts and borders: Natural Earth (public domain) · Places: GeoNames (CC BY 4.0)";
const WORLD_RES = 156543.03392804097; // metres per pixel at zoom 0 (256 px tiles)
const WORLD_M = WORLD_RES * 256; // the width of the Web Mercator world, metres

const zoomOf = (resolution: number) => Math.log2(WORLD_RES / resolution);
const rad = (d: number) => (d * Math.PI) / 180;

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

/** Symbols at one place (assets at one base) fanned out in a ring around it, so each can be seen
 * and clicked: the displacement of each, in screen pixels (y up), by id. */
function fanOut(items: MapItem[]): Map<string, [number, number]> {
  const groups = new Map<string, MapItem[]>();
  for (const item of items) {
    const key = `${item.lat.toFixed(4)}:${item.lon.toFixed(4)}`;
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  const out = new Map<string, [number, number]>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const radius = 14 + 5 * group.length;
    group.forEach((item, k) => {
      const angle = (2 * Math.PI * k) / group.length - Math.PI / 2;
      out.set(item.id, [radius * Math.cos(angle), -radius * Math.sin(angle)]);
    });
  }
  return out;
}

/** The basemap's look: sea, land, coast, borders and place names, dark whatever the page's theme
 * (the symbols' colours are made for it). */
const PALETTE = { sea: "#0a1624", land: "#1d2a36", coast: "#4a6075", border: "#6a7f94", grid: "#3f6284",
  gridText: "#b8cde0", place: "#d3dce6", ring: "#ff5050", select: "#ffd24a" };

export class CopMap {
  readonly canvas: HTMLDivElement;
  readonly ol: OlMap;
  private view: View;
  private items: MapItem[] = [];
  private displaced = new Map<string, [number, number]>();
  private incidentSource = new VectorSource<Feature<Point>>();
  private clusters: ClusterSource<Feature<Point>>;
  private itemSource = new VectorSource<Feature<Point>>();
  private circleSource = new VectorSource<Feature<Geometry>>();
  private areaSource = new VectorSource<Feature<Polygon>>();
  private routeSource = new VectorSource<Feature<LineString>>();
  private gridSource = new VectorSource<Feature<Geometry>>();
  private measureSource = new VectorSource<Feature<Geometry>>();
  private incidentLayer: VectorLayer<ClusterSource<Feature<Point>> | VectorSource<Feature<Point>>>;
  /** whether the incidents are drawn clustered now (the view holds more than a theater's worth) */
  private clustered = false;
  private itemLayer: VectorLayer<VectorSource<Feature<Point>>>;
  private areaLayer: VectorLayer<VectorSource<Feature<Polygon>>>;
  private overlayLayers: [ImageLayer<ImageStatic>, ImageLayer<ImageStatic>];
  private pictureLayer: ImageLayer<ImageStatic>;
  private selected: string | null = null;
  private areas: MapArea[] = [];
  private route: [number, number][] | null = null;
  private overlaySource: ((bounds: Bounds) => string) | null = null;
  private overlay: (Bounds & { url: string; z: number }) | null = null;
  private overlayTimer = 0;
  private overlayWanted = "";
  private pictureWanted = "";
  private fitted: { bounds: Bounds; margin: number } | null = null; // kept fitted while the box settles
  /** ids with a label, and how far right of its position the label starts (px) */
  private labelled = new Map<string, number>();
  private styles = new Map<string, Style[]>();
  private measureCtx = document.createElement("canvas").getContext("2d")!;
  private destroyed = false;
  private composeStarted = 0;
  private rebuild = true;
  private basemapTiles = 0;
  palette = PALETTE;
  onSelect: (item: { id: string } | null) => void = () => {};
  onCursor: (lat: number, lon: number) => void = () => {};
  /** a click on the map, before symbols are hit: true when it was taken (measuring) */
  onClickMap: ((lat: number, lon: number) => boolean) | null = null;
  /** frames drawn; heatmap pictures loaded; fixed pictures loaded and the one shown ("" for none) */
  scenesDrawn = 0;
  overlaysLoaded = 0;
  picturesLoaded = 0;
  pictureDrawn = "";
  /** labels the last placement found room for (test hook) */
  labelsDrawn = 0;
  /** ms since navigation when the basemap and the symbols were first on screen together */
  firstUsefulPaintMs: number | null = null;
  /** ms of work per frame drawn (the benchmark reads these) */
  drawCostsMs: number[] = [];
  /** ms of the frames that drew the whole picture again (new symbols, areas, zoom) */
  sceneCostsMs: number[] = [];

  constructor(readonly host: HTMLElement, sources: MapSources | null = null) {
    this.canvas = document.createElement("div");
    this.canvas.className = "map-canvas";
    this.canvas.tabIndex = 0;
    host.appendChild(this.canvas);
    this.clusters = new ClusterSource({ distance: CLUSTER_PX });
    this.view = new View({ center: fromLonLat([9.0, 40.0]), zoom: 7, minZoom: MIN_ZOOM, maxZoom: MAX_ZOOM,
      enableRotation: false, constrainResolution: false });
    const basemap = new VectorTileLayer({
      // 512 px tiles (the default): a tile of zoom z is drawn from map zoom z + 1, as the build
      // ranked the places; four times fewer tiles to draw on a pan than at 256 px
      source: new VectorTileSource({ format: new MVT(), url: "/api/basemap/{z}/{x}/{y}.pbf", maxZoom: 8,
        attributions: ATTRIBUTION }),
      style: (f, res) => this.basemapStyle(f, res),
      background: PALETTE.sea,
      declutter: "basemap",
      renderBuffer: 64,
    });
    basemap.getSource()!.on("tileloadend", () => { this.basemapTiles++; });
    this.detailed = new TileLayer({ source: new XYZ({ url: "/api/tiles/{z}/{x}/{y}", maxZoom: 18 }), visible: false });
    this.relief = new TileLayer({ source: new XYZ({ url: "/api/intel/hillshade/{z}/{x}/{y}.png", maxZoom: 15 }),
      opacity: 0.9, visible: false });
    const layers: (TileLayer<XYZ> | VectorTileLayer | VectorLayer | ImageLayer<ImageStatic>)[] = [basemap, this.detailed, this.relief];
    layers.push(new VectorLayer({ source: this.gridSource, style: (f) => this.gridStyle(f), declutter: "grid", updateWhileAnimating: false }));
    this.overlayLayers = [new ImageLayer<ImageStatic>({ opacity: 0.7 }), new ImageLayer<ImageStatic>({ opacity: 0.7 })];
    this.pictureLayer = new ImageLayer<ImageStatic>({ opacity: 0.85 });
    // drawn for a margin around the view (MARGIN px): a drag shows what lies just beyond it at once
    this.areaLayer = new VectorLayer({ source: this.areaSource, style: (f, res) => this.areaStyle(f, res), renderBuffer: MARGIN });
    this.itemLayer = new VectorLayer({ source: this.itemSource, style: (f) => this.itemStyle(f), renderBuffer: MARGIN });
    this.incidentLayer = new VectorLayer<ClusterSource<Feature<Point>> | VectorSource<Feature<Point>>>({
      source: this.incidentSource, style: (f) => this.clusterStyle(f), renderBuffer: MARGIN });
    layers.push(...this.overlayLayers, this.pictureLayer, this.areaLayer,
      new VectorLayer({ source: this.routeSource, style: ROUTE_STYLE }),
      new VectorLayer({ source: this.circleSource, style: (f, res) => this.circleStyle(f, res), renderBuffer: MARGIN }),
      this.itemLayer, this.incidentLayer,
      new VectorLayer({ source: this.measureSource, style: (f) => measureStyle(f) }));
    this.ol = new OlMap({
      target: this.canvas,
      view: this.view,
      layers,
      controls: [new Zoom(), new ScaleLine({ units: "metric" }), new Attribution({ collapsible: true, collapsed: true })],
      interactions: defaultInteractions({ doubleClickZoom: false, altShiftDragRotate: false, pinchRotate: false }),
      keyboardEventTarget: this.canvas,
      maxTilesLoading: 32,
    });
    this.bind();
    this.setSources(sources);
  }

  private detailed: TileLayer<XYZ>;
  private relief: TileLayer<XYZ>;

  /** What the node offers under the world basemap (its configuration, which may come after the
   * map is made): detailed raster tiles, relief. */
  setSources(sources: MapSources | null): void {
    this.detailed.setVisible(Boolean(sources?.basemap_tiles));
    this.relief.setVisible(Boolean(sources?.hillshade));
  }


  // --- what is drawn ------------------------------------------------------------------------------

  /** The symbols to draw. Only what changed is touched (a live frame moves one incident, not ten
   * thousand), and each source tells its layer once. */
  setItems(items: MapItem[]): void {
    this.items = items;
    this.displaced = fanOut(items);
    this.styles.clear();
    const point = (item: MapItem) => {
      const f = new Feature<Point>({ geometry: new Point(fromLonLat([item.lon, item.lat])) });
      f.setId(item.id);
      f.set("item", item, true);
      return f;
    };
    const circle = (item: MapItem) => {
      const scale = 1 / Math.cos(rad(Math.max(-85.05, Math.min(85.05, item.lat)))); // Mercator metres per metre
      const f = new Feature<Geometry>({ geometry: new Circle(fromLonLat([item.lon, item.lat]), (item.rangesM?.[1] ?? item.radiusM ?? 0) * scale) });
      f.setId(item.id);
      f.set("item", item, true);
      f.set("scale", scale, true);
      return f;
    };
    const samePlace = (a: MapItem, b: MapItem) => a.lat === b.lat && a.lon === b.lon;
    const sameCircle = (a: MapItem, b: MapItem) => samePlace(a, b) && a.radiusM === b.radiusM
      && a.rangesM?.[0] === b.rangesM?.[0] && a.rangesM?.[1] === b.rangesM?.[1];
    sync(this.incidentSource, items.filter((i) => i.kind === "incident"), point, samePlace);
    sync(this.itemSource, items.filter((i) => i.kind !== "incident"), point, samePlace);
    sync(this.circleSource, items.filter((i) => i.radiusM || i.rangesM), circle, sameCircle);
    this.clusterPolicy();
    this.invalidate();
  }

  setAreas(areas: MapArea[]): void {
    this.areas = areas;
    this.areaSource.clear(true);
    this.areaSource.addFeatures(areas.map((area) => {
      const ring = area.ring.map(([lat, lon]) => fromLonLat([lon, lat]));
      if (ring.length) ring.push(ring[0]);
      const f = new Feature({ geometry: new Polygon([ring]) });
      f.setId(area.id);
      f.set("area", area);
      return f;
    }));
    this.invalidate();
  }

  /** A route to draw, [lat, lon] vertices, or null for none. */
  setRoute(path: [number, number][] | null): void {
    this.route = path && path.length > 1 ? path : null;
    this.routeSource.clear(true);
    if (this.route) this.routeSource.addFeature(new Feature({ geometry: new LineString(this.route.map(([lat, lon]) => fromLonLat([lon, lat]))) }));
    this.invalidate();
  }

  /** A heatmap over the view: ``source`` turns the view's bounds into the picture's address; it is
   * fetched again when the view leaves the picture or the zoom changes. Null turns it off. */
  setOverlay(source: ((bounds: Bounds) => string) | null): void {
    this.overlaySource = source;
    this.overlayWanted = "";
    if (!source) {
      this.overlay = null;
      for (const layer of this.overlayLayers) layer.setSource(null);
    } else {
      this.overlay = null; // the old picture stays up until its successor arrives
      this.refreshOverlay();
    }
  }

  /** A picture over fixed bounds (a search's probability map), whatever the view; null for none. The
   * one shown stays up until its successor has arrived; one that cannot be loaded is taken down. */
  setPicture(picture: GeoPicture | null): void {
    if (!picture) {
      this.pictureWanted = "";
      this.pictureDrawn = "";
      this.pictureLayer.setSource(null);
      return;
    }
    const { url, south, west, north, east } = picture;
    if (url === this.pictureWanted) return;
    this.pictureWanted = url;
    // loaded here first (the page keeps it: the layer's own load takes it from there), so that the
    // picture shown stays up until this one can replace it
    const image = new Image();
    image.onload = () => {
      if (this.destroyed || this.pictureWanted !== url) return;
      this.pictureLayer.setSource(new ImageStatic({ url, imageExtent: [west, south, east, north], projection: "EPSG:4326", interpolate: false }));
      this.picturesLoaded++;
      this.pictureDrawn = url;
    };
    image.onerror = () => {
      if (this.pictureWanted !== url) return;
      this.pictureLayer.setSource(null); // not the old picture, as if it were this one
      this.pictureWanted = "";
      this.pictureDrawn = "";
    };
    image.src = url;
  }

  /** Show a region whole, with a margin of screen pixels around it. */
  fitBounds(b: Bounds, margin = 24): void {
    const extent = transformExtent([b.west, b.south, b.east, b.north], "EPSG:4326", "EPSG:3857");
    const size = this.size();
    const m = Math.min(margin, size[0] / 4, size[1] / 4);
    this.fitting = true;
    try {
      this.view.fit(extent, { size, padding: [m, m, m, m], maxZoom: MAX_ZOOM });
    } finally {
      this.fitting = false;
    }
    this.fitted = { bounds: b, margin };
    this.invalidate();
  }

  /** True while the map itself fits a region: any other change of the view (a drag, the wheel,
   * the keys, a cluster opened) ends the fit, so that a resize does not undo what the user did. */
  private fitting = false;

  /** The view's bounds, for links such as the threat-map export. */
  viewBounds(): Bounds {
    const [w, s, e, n] = transformExtent(this.view.calculateExtent(this.size()), "EPSG:3857", "EPSG:4326");
    const lat = (v: number) => Math.max(-85, Math.min(85, v));
    const lon = (v: number) => Math.max(-180, Math.min(180, v));
    return { south: lat(s), west: lon(w), north: lat(n), east: lon(e) };
  }

  select(id: string | null): void {
    this.selected = id;
    this.styles.clear();
    this.invalidate();
  }

  centerOn(lat: number, lon: number, z = this.zoom): void {
    this.fitted = null;
    this.view.setCenter(fromLonLat([lon, lat]));
    this.view.setZoom(Math.max(MIN_ZOOM, Math.min(MAX_ZOOM, z)));
  }

  /** Move the view by screen pixels, as a drag does (also the test hook for panning): while the
   * moves keep coming the view is "interacting", so the layers move what they drew rather than
   * draw it again; 150 ms after the last move they draw the new view. */
  panBy(dx: number, dy: number): void {
    this.fitted = null;
    if (!this.panning) this.view.beginInteraction();
    window.clearTimeout(this.panning);
    this.panning = window.setTimeout(() => { this.panning = 0; this.rebuild = true; this.view.endInteraction(); }, 150);
    const [x, y] = this.view.getCenter()!;
    const r = this.view.getResolution()!;
    this.view.setCenter([x - dx * r, y + dy * r]);
  }

  private panning = 0;

  zoomAt(screenX: number, screenY: number, dz: number): void {
    this.fitted = null;
    const anchor = this.coordinateAt(screenX, screenY);
    this.view.adjustZoom(dz, anchor);
  }

  get zoom(): number {
    return this.view.getZoom() ?? 7;
  }

  toLatLon(screenX: number, screenY: number): { lat: number; lon: number } {
    const [lon, lat] = toLonLat(this.coordinateAt(screenX, screenY));
    return { lat, lon };
  }

  /** Where a place is on screen now (test hook: to click inside an area). */
  toScreen(lat: number, lon: number): { x: number; y: number } {
    const [x, y] = fromLonLat([lon, lat]);
    const [cx, cy] = this.view.getCenter()!;
    const r = this.view.getResolution()!;
    const [w, h] = this.size();
    return { x: (x - cx) / r + w / 2, y: (cy - y) / r + h / 2 };
  }

  private coordinateAt(screenX: number, screenY: number): [number, number] {
    const [cx, cy] = this.view.getCenter()!;
    const r = this.view.getResolution()!;
    const [w, h] = this.size();
    return [cx + (screenX - w / 2) * r, cy - (screenY - h / 2) * r];
  }

  private size(): [number, number] {
    const s = this.ol?.getSize();
    if (s && s[0] > 0 && s[1] > 0) return [s[0], s[1]];
    const rect = this.host.getBoundingClientRect();
    return [Math.max(200, Math.floor(rect.width)), Math.max(200, Math.floor(rect.height))];
  }

  resize(): void {
    this.ol.updateSize();
    if (this.fitted) this.fitBounds(this.fitted.bounds, this.fitted.margin);
  }

  destroy(): void {
    this.destroyed = true;
    window.clearTimeout(this.overlayTimer);
    window.clearTimeout(this.labelTimer);
    window.clearTimeout(this.panning);
    this.ol.setTarget(undefined);
    this.ol.dispose();
    this.canvas.remove();
  }

  /** Show a measured line (or none). */
  setMeasure(m: Measure | null): void {
    this.measureSource.clear(true);
    if (!m) return;
    const a = fromLonLat([m.from[1], m.from[0]]);
    const b = fromLonLat([m.to[1], m.to[0]]);
    const line = new Feature({ geometry: new LineString([a, b]) });
    const end = new Feature({ geometry: new Point(b) });
    end.set("label", m.label);
    this.measureSource.addFeatures([line, new Feature({ geometry: new Point(a) }), end]);
  }

  /** True from a change until the frame that shows it has been drawn. */
  private pending = true;

  private invalidate(): void {
    this.rebuild = true;
    this.pending = true;
    this.placeLabels();
    this.itemLayer?.changed();
    this.incidentLayer?.changed();
    this.areaLayer?.changed();
  }

  // --- what the tests and the benchmark read ------------------------------------------------------

  /** Each symbol in the view (clusters as one) and where it is on screen now, as last drawn: a
   * frame still to come is drawn first, so that what this answers is what a click would hit. */
  get drawn(): [MapItem, number, number][] {
    const size = this.ol.getSize();
    if (!size || size[0] !== this.canvas.clientWidth || size[1] !== this.canvas.clientHeight) this.ol.updateSize();
    if (this.pending && this.ol.getSize()) this.ol.renderSync();
    return this.visibleItems();
  }

  /** Each symbol in the view (clusters as one, as last made) and where it is on screen now. */
  private visibleItems(): [MapItem, number, number][] {
    const out: [MapItem, number, number][] = [];
    if (!this.view.getCenter()) return out;
    const [w, h] = this.size();
    const inView = (x: number, y: number) => x >= 0 && y >= 0 && x <= w && y <= h;
    for (const f of this.itemSource.getFeatures()) {
      const item = f.get("item") as MapItem;
      const p = this.screenOf(item);
      if (inView(p.x, p.y)) out.push([item, p.x, p.y]);
    }
    this.clusterItems().forEach(([item, coord]) => {
      const [lon, lat] = toLonLat(coord);
      const p = item.kind === "cluster" ? this.toScreen(lat, lon) : this.screenOf(item);
      if (inView(p.x, p.y)) out.push([item, p.x, p.y]);
    });
    return out;
  }

  /** The incidents as drawn now: each alone, or a cluster item standing for several. */
  private clusterItems(): [MapItem, number[]][] {
    if (!this.clustered) {
      return this.incidentSource.getFeatures().map((f) => [f.get("item") as MapItem, f.getGeometry()!.getCoordinates()]);
    }
    return this.clusters.getFeatures().map((c, k) => {
      const members = (c.get("features") as Feature<Point>[]) ?? [];
      const coord = (c.getGeometry() as unknown as Point).getCoordinates();
      if (members.length === 1) return [members[0].get("item") as MapItem, coord];
      return [this.clusterItem(members, coord, k), coord];
    });
  }

  private clusterItem(members: Feature<Point>[], coord: number[], k: number): MapItem {
    const [lon, lat] = toLonLat(coord);
    const alarm = members.some((m) => (m.get("item") as MapItem).alarm);
    return { kind: "cluster", id: `cluster:${k}:${members.length}`, lat, lon, sprite: clusterSprite(members.length, alarm),
      label: `${members.length} incidents`, alarm };
  }

  private screenOf(item: MapItem): { x: number; y: number } {
    const p = this.toScreen(item.lat, item.lon);
    const d = this.displaced.get(item.id);
    return d ? { x: p.x + d[0], y: p.y - d[1] } : p;
  }

  /** Where a drawn item is on screen now (test hook: to click a symbol). */
  screenPosition(id: string): { x: number; y: number } | null {
    const found = this.drawn.find(([item]) => item.id === id);
    return found ? { x: found[1], y: found[2] } : null;
  }

  get drawnCount(): number {
    return this.drawn.length;
  }

  /** Clusters in the view (test hook). */
  get clusterCount(): number {
    return this.drawn.filter(([item]) => item.kind === "cluster").length;
  }

  /** The areas set, by id (test hook). */
  get areaIds(): string[] {
    return this.areas.map((a) => a.id);
  }

  /** The areas in the view, and their ids. */
  get areaIdsDrawn(): string[] {
    const extent = this.view.calculateExtent(this.size());
    return this.areaSource.getFeaturesInExtent(extent).map((f) => String(f.getId()));
  }

  get areasDrawn(): number {
    return this.areaIdsDrawn.length;
  }

  /** Route vertices drawn (0 for none). */
  get routeDrawn(): number {
    return this.route?.length ?? 0;
  }

  // --- clicks, cursor, frames ---------------------------------------------------------------------

  /** The symbol under a screen point, topmost first (a cluster as its cluster item). */
  hit(screenX: number, screenY: number): MapItem | null {
    let found: MapItem | null = null;
    this.ol.forEachFeatureAtPixel([screenX, screenY], (f) => {
      const members = f.get("features") as Feature<Point>[] | undefined;
      if (members && members.length > 1) {
        found = this.clusterItem(members, (f.getGeometry() as unknown as Point).getCoordinates(), 0);
      } else {
        found = (members ? members[0].get("item") : f.get("item")) as MapItem;
      }
      return true;
    }, { layerFilter: (l) => l === this.incidentLayer || l === this.itemLayer, hitTolerance: 6 });
    return found;
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
    this.ol.on("click", (e) => {
      const [x, y] = e.pixel;
      const at = this.toLatLon(x, y);
      if (this.onClickMap?.(at.lat, at.lon)) return;
      const item = this.hit(x, y) ?? this.hitArea(x, y);
      if (item && "kind" in item && item.kind === "cluster" && this.zoom < MAX_ZOOM - 0.01) {
        this.view.animate({ center: fromLonLat([item.lon, item.lat]), zoom: Math.min(MAX_ZOOM, this.zoom + 2), duration: 250 });
        return;
      }
      this.select(item?.id ?? null);
      this.onSelect(item);
    });
    this.ol.on("pointermove", (e) => {
      const [lon, lat] = toLonLat(e.coordinate);
      this.onCursor(lat, lon);
    });
    this.ol.on("precompose", () => { this.composeStarted = performance.now(); });
    this.ol.on("postcompose", () => {
      const cost = performance.now() - this.composeStarted;
      if (this.drawCostsMs.length < 10_000) this.drawCostsMs.push(cost);
      if (this.rebuild) {
        this.rebuild = false;
        if (this.sceneCostsMs.length < 10_000) this.sceneCostsMs.push(cost);
      }
    });
    this.view.on(["change:center", "change:resolution"], () => {
      this.pending = true;
      if (!this.fitting) this.fitted = null;
    });
    this.ol.on("postrender", () => {
      this.pending = false;
      this.scenesDrawn++;
      if (this.firstUsefulPaintMs === null && this.basemapTiles > 0 && this.items.length) this.firstUsefulPaintMs = performance.now();
    });
    this.ol.on("moveend", () => {
      const [x, y] = this.view.getCenter()!;
      if (Math.abs(x) > WORLD_M / 2) {
        // past the date line: the same place, in the world the layers and the grid are made for
        this.view.setCenter([((((x + WORLD_M / 2) % WORLD_M) + WORLD_M) % WORLD_M) - WORLD_M / 2, y]);
        return; // the move this makes ends in a moveend of its own
      }
      this.clusterPolicy();
      this.placeLabels();
      this.refreshGrid();
      this.refreshOverlay();
    });
    this.view.on("change:resolution", () => { this.rebuild = true; });
    // the clusters are made again as a frame is drawn: their labels follow, after that frame
    this.clusters.on("change", () => this.scheduleLabels());
    this.ol.on("change:size", () => {
      this.pending = true;
      if (this.fitted) this.fitBounds(this.fitted.bounds, this.fitted.margin);
    });
  }

  /** Incidents are clustered while the view holds more than a theater's worth. */
  private clusterPolicy(): void {
    const extent = this.view.calculateExtent(this.size());
    const many = this.incidentSource.getFeaturesInExtent(extent).length > CLUSTER_ABOVE;
    if (many !== this.clustered) {
      this.clustered = many;
      this.clusters.setSource(many ? this.incidentSource : null); // no clustering work while unused
      this.incidentLayer.setSource(many ? this.clusters : this.incidentSource);
      this.circleSource.changed(); // incidents inside clusters draw no circle
    }
  }

  private labelTimer = 0;

  private scheduleLabels(): void {
    if (this.labelTimer || this.destroyed) return;
    this.labelTimer = window.setTimeout(() => { this.labelTimer = 0; if (!this.destroyed) this.placeLabels(); }, 0);
  }

  /** Labels for the symbols in view, the first in order first, none over another or a symbol. */
  private placeLabels(): void {
    const before = this.labelled;
    this.labelled = new Map();
    if (this.zoom >= LABEL_ZOOM && this.view.getCenter()) {
      this.measureCtx.font = LABEL_FONT;
      const visible = this.visibleItems();
      const at = new Map(visible.map(([item, x]) => [item, x]));
      for (const [item, x] of placeLabels(this.measureCtx, visible, MOST_LABELS)) this.labelled.set(item.id, x - (at.get(item) ?? x - 16));
    }
    this.labelsDrawn = this.labelled.size;
    if (before.size !== this.labelled.size || [...this.labelled.keys()].some((k) => before.get(k) !== this.labelled.get(k))) {
      this.styles.clear();
      this.itemLayer?.changed();
      this.incidentLayer?.changed();
    }
  }

  /** The MGRS grid drawn now: its lines ([lat, lon] vertices) and labels (test hook). */
  grid: ReturnType<typeof mgrsGrid> = { lines: [], labels: [] };

  /** Basemap tiles loaded so far (test hook). */
  get basemapTilesLoaded(): number {
    return this.basemapTiles;
  }

  /** The names of the places the basemap holds under a screen point (test hook: the tiles were
   * served, read and drawn where they belong). */
  async placesAt(screenX: number, screenY: number): Promise<string[]> {
    const basemap = this.ol.getLayers().item(0) as VectorTileLayer;
    const found = await basemap.getFeatures([screenX, screenY]);
    return found.filter((f) => f.get("layer") === "places").map((f) => String(f.get("name")));
  }

  private refreshGrid(): void {
    this.grid = mgrsGrid(this.viewBounds(), this.zoom);
    const { lines, labels } = this.grid;
    this.gridSource.clear(true);
    const features: Feature<Geometry>[] = lines.map((l) => {
      const f = new Feature<Geometry>({ geometry: new LineString(l.points.map(([lat, lon]) => fromLonLat([lon, lat]))) });
      f.set("weight", l.weight);
      return f;
    });
    for (const l of labels) {
      const f = new Feature<Geometry>({ geometry: new Point(fromLonLat([l.lon, l.lat])) });
      f.set("text", l.text);
      f.set("kind", l.kind);
      features.push(f);
    }
    this.gridSource.addFeatures(features);
  }

  /** The view's heatmap: asked for the view and a margin around it, kept while it covers the view
   * at this zoom; the old one stays up until the new one has arrived. */
  private refreshOverlay(): void {
    if (!this.overlaySource || this.destroyed) return;
    const view = this.viewBounds();
    const z = Math.round(this.zoom * 4) / 4;
    const have = this.overlay;
    if (have && have.z === z && have.south <= view.south && have.north >= view.north && have.west <= view.west && have.east >= view.east) {
      window.clearTimeout(this.overlayTimer); // back where the picture is: forget the pending one
      this.overlayWanted = have.url;
      return;
    }
    const dLat = (view.north - view.south) / 2;
    const dLon = (view.east - view.west) / 2;
    const want = { south: Math.max(-85, view.south - dLat), north: Math.min(85, view.north + dLat),
      west: Math.max(-180, view.west - dLon), east: Math.min(180, view.east + dLon) };
    if (want.south >= want.north || want.west >= want.east) return;
    const url = this.overlaySource(want);
    if (url === this.overlayWanted) return;
    this.overlayWanted = url;
    window.clearTimeout(this.overlayTimer);
    this.overlayTimer = window.setTimeout(() => {
      const image = new Image();
      image.onload = () => {
        if (this.destroyed || this.overlayWanted !== url) return; // the view moved on while it loaded
        const source = new ImageStatic({ url, imageExtent: [want.west, want.south, want.east, want.north], projection: "EPSG:4326" });
        const [front, back] = this.overlayLayers;
        back.setSource(source);
        source.once("imageloadend", () => { if (this.overlayLayers[0] === back) front.setSource(null); });
        this.overlayLayers = [back, front];
        this.overlay = { ...want, url, z };
        this.overlaysLoaded++;
      };
      image.onerror = () => { if (this.overlayWanted === url) this.overlayWanted = ""; };
      image.src = url;
    }, 250);
  }

  // --- styles --------------------------------------------------------------------------------------

  private basemapStyle(f: FeatureLike, resolution: number): Style | Style[] | undefined {
    const layer = f.get("layer");
    if (layer === "land") return LAND_STYLE;
    if (layer === "borders") return BORDER_STYLE;
    if (layer !== "places") return undefined;
    const z = zoomOf(resolution);
    if ((f.get("rank") ?? 8) > z + 0.5) return undefined;
    const population = Number(f.get("population") ?? 0);
    const font = population >= 1_000_000 ? "bold 13px system-ui, sans-serif" : population >= 100_000 ? "12px system-ui, sans-serif" : "11px system-ui, sans-serif";
    return new Style({
      image: TOWN_DOT,
      text: new Text({ text: String(f.get("name") ?? ""), font, fill: new Fill({ color: PALETTE.place }),
        stroke: new Stroke({ color: HALO, width: 3 }), offsetY: -9, textBaseline: "bottom" }),
    });
  }

  private gridStyle(f: FeatureLike): Style | undefined {
    const weight = f.get("weight") as string | undefined;
    if (weight) return GRID_STYLES[weight];
    const kind = f.get("kind") as string;
    return new Style({
      text: new Text({ text: String(f.get("text")), font: kind === "line" ? "11px ui-monospace, monospace" : "bold 12px ui-monospace, monospace",
        fill: new Fill({ color: PALETTE.gridText }), stroke: new Stroke({ color: HALO, width: 3 }),
        offsetY: kind === "line" ? 8 : 0, offsetX: kind === "line" ? 10 : 0 }),
    });
  }

  private areaStyle(f: FeatureLike, resolution: number): Style {
    const area = f.get("area") as MapArea;
    const chosen = area.id === this.selected;
    const text = zoomOf(resolution) >= 9 ? new Text({ text: area.label, font: "11px system-ui, sans-serif", overflow: true,
      fill: new Fill({ color: area.stroke }), stroke: new Stroke({ color: HALO, width: 3 }) }) : undefined;
    return new Style({
      fill: new Fill({ color: area.fill }),
      stroke: new Stroke({ color: chosen ? PALETTE.select : area.stroke, width: chosen ? Math.max(2.5, area.width ?? 0) : area.width ?? 1.5,
        lineDash: area.dash.length ? area.dash : undefined }),
      text,
    });
  }

  /** Uncertainty circles (amber, dashed) and engagement rings (red, the inner one dashed). */
  private circleStyle(f: FeatureLike, resolution: number): Style[] | undefined {
    const item = f.get("item") as MapItem;
    const scale = f.get("scale") as number;
    if (item.rangesM) {
      const [inner] = item.rangesM;
      const styles = [ENGAGEMENT_STYLE];
      if ((inner * scale) / resolution >= 2) {
        const centre = fromLonLat([item.lon, item.lat]);
        styles.push(new Style({ geometry: new Circle(centre, inner * scale), stroke: new Stroke({ color: "rgba(255, 70, 70, 0.9)", width: 1, lineDash: [3, 3] }) }));
      }
      return styles;
    }
    if (item.kind === "incident" && this.clustered) return undefined;
    if (((item.radiusM ?? 0) * scale) / resolution < 2) return undefined;
    return [UNCERTAINTY_STYLE];
  }

  private itemStyle(f: FeatureLike): Style[] {
    return this.styleOf(f.get("item") as MapItem);
  }

  private clusterStyle(f: FeatureLike): Style[] {
    const members = f.get("features") as Feature<Point>[] | undefined;
    if (!members) return this.styleOf(f.get("item") as MapItem);
    if (members.length === 1) return this.styleOf(members[0].get("item") as MapItem);
    const alarm = members.some((m) => (m.get("item") as MapItem).alarm);
    const key = `cluster|${members.length}|${alarm}`;
    let found = this.styles.get(key);
    if (!found) {
      found = [new Style({ image: icon(clusterSprite(members.length, alarm)) })];
      this.styles.set(key, found);
    }
    return found;
  }

  /** A symbol's look: its sprite (fanned out if it shares its place), an alarm ring, the selection
   * square, and its label where one was placed. */
  private styleOf(item: MapItem): Style[] {
    let found = this.styles.get(item.id);
    if (found) return found;
    const displacement = this.displaced.get(item.id) ?? [0, 0];
    const s = item.sprite;
    const dpr = window.devicePixelRatio || 1;
    const sw = s.canvas.width / dpr;
    const sh = s.canvas.height / dpr;
    found = [];
    if (item.alarm) {
      found.push(new Style({ image: new CircleStyle({ radius: Math.max(sw, sh) / 2 + 4, displacement,
        stroke: new Stroke({ color: PALETTE.ring, width: 3 }) }) }));
    }
    found.push(new Style({ image: icon(s, displacement) }));
    if (item.id === this.selected) {
      found.push(new Style({ image: new RegularShape({ points: 4, radius: Math.max(sw, sh) / Math.SQRT2 + 4, angle: Math.PI / 4,
        displacement: [displacement[0] + sw / 2 - s.anchorX, displacement[1] - (sh / 2 - s.anchorY)],
        stroke: new Stroke({ color: PALETTE.select, width: 2 }) }) }));
    }
    const dx = this.labelled.get(item.id);
    if (dx !== undefined) {
      found.push(new Style({ text: new Text({ text: item.label, font: LABEL_FONT, textAlign: "left", offsetX: dx + displacement[0],
        offsetY: -displacement[1], fill: new Fill({ color: "#e8eef5" }), stroke: new Stroke({ color: HALO, width: 3 }) }) }));
    }
    this.styles.set(item.id, found);
    return found;
  }
}

/** Make a source hold one feature per item: new ones added, gone ones removed, moved ones made
 * again, the rest given their new item quietly; then one change for the source's layer. */
function sync<G extends Geometry>(source: VectorSource<Feature<G>>, items: MapItem[], make: (item: MapItem) => Feature<G>,
  same: (a: MapItem, b: MapItem) => boolean): void {
  const wanted = new Set(items.map((i) => i.id));
  const gone = source.getFeatures().filter((f) => !wanted.has(String(f.getId())));
  const added: Feature<G>[] = [];
  let quiet = false;
  for (const item of items) {
    const f = source.getFeatureById(item.id) as Feature<G> | null;
    if (!f) { added.push(make(item)); continue; }
    const before = f.get("item") as MapItem;
    if (before === item) continue;
    if (!same(before, item)) { gone.push(f); added.push(make(item)); continue; }
    f.set("item", item, true);
    quiet = true;
  }
  if (gone.length) source.removeFeatures(gone);
  if (added.length) source.addFeatures(added);
  if (quiet && !gone.length && !added.length) source.changed();
}

/** A sprite as an icon: drawn at its anchor, in CSS pixels. */
function icon(s: Sprite, displacement: [number, number] = [0, 0]): Icon {
  const dpr = window.devicePixelRatio || 1;
  return new Icon({ img: s.canvas, anchor: [s.anchorX * dpr, s.anchorY * dpr], anchorXUnits: "pixels", anchorYUnits: "pixels",
    scale: 1 / dpr, displacement });
}

const LAND_STYLE = new Style({ fill: new Fill({ color: PALETTE.land }), stroke: new Stroke({ color: PALETTE.coast, width: 0.8 }) });
const BORDER_STYLE = new Style({ stroke: new Stroke({ color: PALETTE.border, width: 1, lineDash: [6, 3] }) });
const TOWN_DOT = new CircleStyle({ radius: 2, fill: new Fill({ color: PALETTE.place }), stroke: new Stroke({ color: HALO, width: 1 }) });
const GRID_STYLES: Record<string, Style> = {
  zone: new Style({ stroke: new Stroke({ color: "rgba(120, 165, 210, 0.75)", width: 1.6 }) }),
  major: new Style({ stroke: new Stroke({ color: "rgba(100, 145, 190, 0.6)", width: 1.1 }) }),
  minor: new Style({ stroke: new Stroke({ color: "rgba(90, 130, 170, 0.4)", width: 0.7 }) }),
};
const ROUTE_STYLE = [
  new Style({ stroke: new Stroke({ color: "rgba(0, 0, 0, 0.6)", width: 6 }) }),
  new Style({ stroke: new Stroke({ color: "#3ee0ff", width: 3 }) }),
];
const UNCERTAINTY_STYLE = new Style({ fill: new Fill({ color: "rgba(255, 196, 0, 0.10)" }),
  stroke: new Stroke({ color: "rgba(255, 196, 0, 0.75)", width: 1.2, lineDash: [6, 4] }) });
const ENGAGEMENT_STYLE = new Style({ fill: new Fill({ color: "rgba(255, 60, 60, 0.07)" }),
  stroke: new Stroke({ color: "rgba(255, 70, 70, 0.9)", width: 1.5 }) });

function measureStyle(f: FeatureLike): Style[] {
  if (f.getGeometry()?.getType() === "LineString") {
    return [new Style({ stroke: new Stroke({ color: "rgba(8, 12, 18, 0.9)", width: 5 }) }),
      new Style({ stroke: new Stroke({ color: "#ffd24a", width: 2, lineDash: [8, 5] }) })];
  }
  const label = f.get("label") as string | undefined;
  return [new Style({
    image: new CircleStyle({ radius: 4, fill: new Fill({ color: "#ffd24a" }) }),
    text: label ? new Text({ text: label, font: "bold 13px system-ui, sans-serif", textAlign: "left", offsetX: 10, offsetY: -8,
      fill: new Fill({ color: "#ffd24a" }), stroke: new Stroke({ color: "rgba(8, 12, 18, 0.95)", width: 4 }) }) : undefined,
  })];
}
