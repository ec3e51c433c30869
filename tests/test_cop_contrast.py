"""Contrast: every text and symbol of the common operational picture at WCAG 2 AA, in both themes.

Measured in Chromium over computed styles, on the demo: for every visible element that holds text
of its own (and every placeholder and form value), the colour of its text against its effective
background - its own and its ancestors' background colours composited, alpha and opacity included,
down to an opaque colour. Normal text needs 4.5:1, large text (24 px, or 18.66 px bold) 3:1. SVG
text is measured against the shapes under it (or its halo, a stroke of 2 px or more). Text drawn
on a picture (a background image, a canvas) has no colour to measure against; it is counted, and
must stay rare. Text behind a form's veil is out of sight and not measured, nor is the text of a
disabled control (WCAG exempts inactive components). Animations are held at both ends of their
cycle (the alert banner pulses).

The maps are canvases: every text drawn on them is recorded with the pixels under its glyphs (a
symbol's own pixels, else the map where the symbol was drawn), and every symbol must stand out from
the map (3:1, the bar for graphics). A label lying over a neighbouring symbol or label is a matter
of placement, not of colour: those pixels are left out.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from playwright.sync_api import Browser, Page, expect

from jprcc.api.app import create_app
from tests.browser import INSTRUMENT
from tests.server import serving
from tests.test_cop import PASSWORDS, _node, token_of

pytestmark = pytest.mark.browser

THEMES = ("dark", "light")
MOST_UNMEASURED = 5
"""Texts on a picture (a background image, a canvas) that the tour may leave unmeasured."""

CONTRAST_JS = r"""
(() => {
  if (window.__contrast) return;
  const probe = document.createElement("canvas").getContext("2d", { willReadFrequently: true });
  const WHITE = [255, 255, 255, 1];

  /** A CSS colour as [r, g, b, alpha] (0-255, alpha 0-1). */
  function parseColor(text) {
    const s = String(text || "").trim();
    if (!s || s === "transparent" || s === "none") return [0, 0, 0, 0];
    let m = s.match(/^rgba?\(([^)]*)\)$/);
    if (m) {
      const p = m[1].split(/[\s,\/]+/).filter(Boolean);
      const alpha = p.length < 4 ? 1 : p[3].endsWith("%") ? parseFloat(p[3]) / 100 : parseFloat(p[3]);
      return [parseFloat(p[0]), parseFloat(p[1]), parseFloat(p[2]), alpha];
    }
    m = s.match(/^color\(srgb ([^)]*)\)$/);
    if (m) {
      const p = m[1].split(/[\s\/]+/).filter(Boolean).map(parseFloat);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
    }
    probe.clearRect(0, 0, 1, 1);
    probe.fillStyle = "rgba(0, 0, 0, 0)";
    probe.fillStyle = s;
    probe.fillRect(0, 0, 1, 1);
    const d = probe.getImageData(0, 0, 1, 1).data;
    return [d[0], d[1], d[2], d[3] / 255];
  }

  /** Source-over compositing of one colour on another. */
  function over(top, bottom) {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a <= 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  }

  const channel = (v) => {
    v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  /** WCAG 2.x relative luminance. */
  const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const opaque = (c) => (typeof c === "string" ? over(parseColor(c), WHITE) : c);
  /** WCAG 2.x contrast ratio of two opaque colours. */
  function ratio(a, b) {
    const la = luminance(opaque(a));
    const lb = luminance(opaque(b));
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  const round = (v) => Math.round(v * 100) / 100;
  const hex = (c) => "#" + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  const snippet = (t) => {
    const s = String(t).replace(/\s+/g, " ").trim();
    return s.length > 40 ? s.slice(0, 39) + "…" : s;
  };

  function describe(el) {
    const cls = (typeof el.className === "string" ? el.className : el.className?.baseVal ?? "").trim();
    const classes = cls ? "." + cls.split(/\s+/).slice(0, 3).join(".") : "";
    const data = [...el.attributes].find((a) => a.name.startsWith("data-"));
    return el.tagName.toLowerCase() + classes + (data ? `[${data.name}]` : "");
  }

  /** The ratio a text needs: 3:1 when large (24 px, or 18.66 px bold), else 4.5:1. */
  function needed(px, weight) {
    const large = px >= 24 || (px >= 18.66 && weight >= 700);
    return { large, need: large ? 3 : 4.5 };
  }
  const size = (px, weight, large, extra = "") =>
    `${Math.round(px * 10) / 10}px${weight >= 700 ? " bold" : ""}${large ? " (large)" : ""}${extra}`;

  /** The text colour and its background as painted: the element's and its ancestors' backgrounds
   * composited under the text, each opacity group faded over what lies behind it, on white. */
  function layers(el, fg) {
    let f = fg;
    let b = [0, 0, 0, 0];
    for (let a = el; a; a = a.parentElement) {
      const cs = getComputedStyle(a);
      if (cs.backgroundImage && cs.backgroundImage !== "none") {
        return { unknown: `background image on ${describe(a)}` };
      }
      const own = parseColor(cs.backgroundColor);
      f = over(f, own);
      b = over(b, own);
      const o = parseFloat(cs.opacity);
      if (o < 1) {
        f = [f[0], f[1], f[2], f[3] * o];
        b = [b[0], b[1], b[2], b[3] * o];
      }
    }
    return { fg: over(f, WHITE), bg: over(b, WHITE) };
  }

  const REPLACED = new Set(["CANVAS", "IMG", "VIDEO", "IFRAME", "OBJECT", "EMBED", "svg"]);
  const inViewport = (x, y) => x >= 0 && y >= 0 && x < innerWidth && y < innerHeight;
  const coloured = (cs) => parseColor(cs.backgroundColor)[3] > 0;

  /** What else is painted at a point of the element's text: a box over it (it is out of sight), or
   * a picture or a coloured box under it that is not one of its ancestors. */
  function surroundings(el, x, y) {
    if (!inViewport(x, y)) return {};
    const stack = document.elementsFromPoint(x, y);
    const at = stack.indexOf(el);
    if (at < 0) return {};
    for (const e of stack.slice(0, at)) {
      if (!el.contains(e) && (REPLACED.has(e.tagName) || coloured(getComputedStyle(e)))) {
        return { covered: describe(e) };
      }
    }
    for (const e of stack.slice(at)) {
      const cs = getComputedStyle(e);
      if (e.contains(el)) {
        const solid = parseColor(cs.backgroundColor)[3] >= 1 && parseFloat(cs.opacity) >= 1;
        if (solid) break; // nothing under it shows through
        continue;
      }
      if (REPLACED.has(e.tagName) || cs.backgroundImage !== "none") {
        return { unknown: `drawn over ${describe(e)}` };
      }
      if (coloured(cs)) return { unknown: `drawn over another box, ${describe(e)}` };
    }
    return {};
  }

  /** Fixed boxes over the whole viewport with a colour of their own: a form's veil. What is not in
   * one is out of sight, wherever it is scrolled to. */
  function veils() {
    return [...document.body.querySelectorAll("*")].filter((e) => {
      const cs = getComputedStyle(e);
      if (cs.position !== "fixed" || !coloured(cs)) return false;
      const r = e.getBoundingClientRect();
      return r.left <= 0 && r.top <= 0 && r.right >= innerWidth && r.bottom >= innerHeight;
    });
  }
  const veiled = (el, veil) => veil.some((v) => !v.contains(el) && !el.contains(v));

  function ownTextRect(el) {
    for (const n of el.childNodes) {
      if (n.nodeType !== Node.TEXT_NODE || !n.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) {
        if (r.width > 0 && r.height > 0) return { rect: r, text: n.textContent };
      }
    }
    return null;
  }

  const visible = (el) => el.checkVisibility({
    checkOpacity: true, checkVisibilityCSS: true, opacityProperty: true, visibilityProperty: true,
  });
  const SKIPPED = ["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "OPTION"];
  const WITHOUT_TEXT = ["checkbox", "radio", "range", "color", "file", "hidden", "image"];

  /** Every visible text of the page in HTML, form controls and inline SVG, with its contrast. */
  function auditDom() {
    const out = { checked: 0, failures: [], unknown: [], covered: 0, inactive: 0 };
    const veil = veils();
    const judge = (el, what, text, fg, cs, rect) => {
      if (el.closest(":disabled")) { out.inactive++; return; }
      if (veiled(el, veil)) { out.covered++; return; }
      const at = rect ?? el.getBoundingClientRect();
      const around = surroundings(el, at.left + at.width / 2, at.top + at.height / 2);
      if (around.covered) { out.covered++; return; }
      const painted = around.unknown ? around : layers(el, fg);
      if (painted.unknown) {
        out.unknown.push({ element: what, text: snippet(text), why: painted.unknown });
        return;
      }
      const px = parseFloat(cs.fontSize);
      const weight = parseInt(cs.fontWeight, 10) || 400;
      const { large, need } = needed(px, weight);
      const r = ratio(painted.fg, painted.bg);
      out.checked++;
      if (r >= need) return;
      out.failures.push({ element: what, text: snippet(text), fg: hex(painted.fg), bg: hex(painted.bg),
        ratio: round(r), need, size: size(px, weight, large) });
    };
    for (const el of document.body.querySelectorAll("*")) {
      if (el instanceof SVGElement || SKIPPED.includes(el.tagName) || !visible(el)) continue;
      const own = ownTextRect(el);
      const cs = getComputedStyle(el);
      if (own) judge(el, describe(el), own.text, parseColor(cs.color), cs, own.rect);
      if (!["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName)) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      if (el.placeholder) {
        const ph = getComputedStyle(el, "::placeholder");
        const c = parseColor(ph.color);
        c[3] *= parseFloat(ph.opacity || "1");
        judge(el, `placeholder of ${describe(el)}`, el.placeholder, c, cs, null);
      }
      const shown = el.tagName === "SELECT" ? el.selectedOptions[0]?.textContent ?? ""
        : WITHOUT_TEXT.includes(el.type) ? "" : el.value;
      if (shown.trim()) judge(el, `value of ${describe(el)}`, shown, parseColor(cs.color), cs, null);
    }
    for (const el of document.querySelectorAll("svg text")) {
      if (veiled(el, veil)) out.covered++;
      else auditSvgText(el, out);
    }
    return out;
  }

  const SHAPES = new Set(["rect", "path", "circle", "ellipse", "polygon", "polyline"]);

  /** An SVG text: its fill against the shape drawn under it (else the SVG's background), or against
   * its halo; the worst of five points along it. */
  function auditSvgText(el, out) {
    if (!visible(el) || !el.textContent.trim()) return;
    let rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) return;
    if (!inViewport(rect.left, rect.top) || !inViewport(rect.right - 1, rect.bottom - 1)) {
      el.scrollIntoView({ block: "center", inline: "nearest" });
      rect = el.getBoundingClientRect();
    }
    const svg = el.ownerSVGElement;
    const middle = [rect.left + rect.width / 2, rect.top + rect.height / 2];
    if (surroundings(svg, ...middle).covered) { out.covered++; return; }
    const what = { element: describe(el), text: snippet(el.textContent) };
    const cs = getComputedStyle(el);
    if (cs.fill.startsWith("url")) { out.unknown.push({ ...what, why: "pattern fill" }); return; }
    const fill = parseColor(cs.fill);
    fill[3] *= parseFloat(cs.fillOpacity || "1");
    const m = el.getScreenCTM();
    const scale = m ? Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)) : 1;
    const base = layers(el, [0, 0, 0, 0]);
    if (base.unknown) { out.unknown.push({ ...what, why: base.unknown }); return; }
    const stroke = parseColor(cs.stroke);
    stroke[3] *= parseFloat(cs.strokeOpacity || "1");
    const halo = stroke[3] > 0 && parseFloat(cs.strokeWidth) * scale >= 2;
    const drawnBefore = (e) => e !== el && SHAPES.has(e.tagName) && svg.contains(e)
      && (e.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
    let worst = null;
    for (let k = 0; k < 5; k++) {
      const x = rect.left + (rect.width * (k + 0.5)) / 5;
      let under = base.bg;
      const shape = document.elementsFromPoint(x, middle[1]).find(drawnBefore);
      if (shape) {
        const scs = getComputedStyle(shape);
        const c = parseColor(scs.fill);
        c[3] *= parseFloat(scs.fillOpacity || "1") * parseFloat(scs.opacity || "1");
        under = over(c, under);
      }
      if (halo) under = over(stroke, under);
      const fg = over(fill, under);
      const r = ratio(fg, under);
      if (!worst || r < worst.r) worst = { r, fg, under };
    }
    const px = parseFloat(cs.fontSize) * scale;
    const weight = parseInt(cs.fontWeight, 10) || 400;
    const { large, need } = needed(px, weight);
    out.checked++;
    if (worst.r >= need) return;
    out.failures.push({ ...what, fg: hex(worst.fg), bg: hex(worst.under), ratio: round(worst.r), need,
      size: size(px, weight, large, halo ? ", halo" : "") });
  }

  /** The text and symbols drawn on the maps' canvases, as the recorder saw them drawn. */
  function auditCanvases() {
    const out = { checked: 0, failures: [], unknown: [], covered: 0, inactive: 0, symbols: 0 };
    const rec = window.__contrastCanvas;
    if (!rec) return out;
    const textsOn = (id) => [...(rec.texts.get(id) ?? new Map()).values()];
    for (const dom of document.querySelectorAll("canvas")) {
      const id = rec.ids.get(dom);
      if (id === undefined || !visible(dom)) continue;
      // labels written straight onto a map layer, over its halo and the layer's background colour
      const bg = (getComputedStyle(dom.parentElement).backgroundColor.match(/[\d.]+/g) || []).map(Number);
      const ground = bg.length >= 3 && (bg.length === 3 || bg[3] > 0)
        ? over([bg[0], bg[1], bg[2], bg.length === 3 ? 1 : bg[3]], WHITE) : WHITE;
      for (const t of textsOn(id)) judgeCanvasText(t, [ground], "map label", out);
      for (const pictureId of rec.drawnOn.get(id) ?? []) {
        // a symbol or a label's picture put straight onto the map's layers: judged on the map under it
        const onMap = [...(rec.grounds.get(id)?.get(pictureId)?.values() ?? [])].map((g) => over(g, WHITE));
        if (onMap.length) {
          const picture = rec.canvases[pictureId];
          const symbol = Boolean(picture.dataset && picture.dataset.symbol);
          const texts = textsOn(pictureId);
          for (const t of texts) judgeCanvasText(t, onMap, symbol ? "symbol text" : "map label", out);
          if (symbol) judgeSymbol(picture, texts, onMap, out);
          continue;
        }
        for (const t of textsOn(pictureId)) judgeCanvasText(t, [WHITE], "map label", out);
        for (const spriteId of rec.drawnOn.get(pictureId) ?? []) {
          const texts = textsOn(spriteId);
          const places = rec.grounds.get(pictureId)?.get(spriteId)?.values() ?? [];
          const grounds = [...places].map((g) => over(g, WHITE));
          if (!grounds.length) {
            const text = texts.map((t) => t.text).join(" ");
            out.unknown.push({ element: "symbol", text, why: "drawn off the map" });
            continue;
          }
          for (const t of texts) judgeCanvasText(t, grounds, "symbol text", out);
          judgeSymbol(rec.canvases[spriteId], texts, grounds, out);
        }
      }
    }
    return out;
  }

  /** A text drawn on a canvas: per glyph pixel, its colour over what was under it (where a
   * symbol's picture is transparent, the map it was drawn on: the worst of its places); the
   * median pixel decides. */
  function judgeCanvasText(t, grounds, kind, out) {
    const fill = parseColor(t.fill);
    fill[3] *= t.alpha;
    let worst = null;
    for (const g of grounds) {
      const pixels = t.under.map((u) => over(u, g));
      const ratios = pixels.map((u) => ({ r: ratio(over(fill, u), u), u })).sort((a, b) => a.r - b.r);
      const median = ratios[Math.floor(ratios.length / 2)];
      if (median && (!worst || median.r < worst.r)) worst = median;
    }
    if (!worst) return;
    const { large, need } = needed(t.px, t.bold ? 700 : 400);
    out.checked++;
    if (worst.r >= need) return;
    out.failures.push({ element: kind, text: snippet(t.text), fg: hex(over(fill, worst.u)),
      bg: hex(worst.u), ratio: round(worst.r), need, size: size(t.px, t.bold ? 700 : 400, large) });
  }

  /** A symbol stands out when most of its ink (alpha 50 % or more) is 3:1 or more from the map
   * where it was drawn (the worst of its places). */
  function judgeSymbol(canvas, texts, grounds, out) {
    const d = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let worst = null;
    for (const g of grounds) {
      let ink = 0;
      let clear = 0;
      const faint = new Map();
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] < 128) continue;
        ink++;
        const c = over([d[i], d[i + 1], d[i + 2], d[i + 3] / 255], g);
        if (ratio(c, g) >= 3) clear++;
        else faint.set(hex(c), (faint.get(hex(c)) ?? 0) + 1);
      }
      const share = ink ? clear / ink : 1;
      const most = [...faint.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
      if (!worst || share < worst.share) worst = { share, g, most };
    }
    out.symbols++;
    if (worst.share >= 0.5) return;
    const name = texts.map((t) => t.text).join(" ") || `${canvas.width}×${canvas.height} px`;
    out.failures.push({ element: "symbol", text: snippet(name), fg: worst.most, bg: hex(worst.g),
      ratio: round(worst.share), need: 0.5, size: "share of its ink at 3:1 or more" });
  }

  /** Animations held at one end of their cycle (the alert banner's pulse: full, then faintest). */
  function holdAnimations(end) {
    for (const a of document.getAnimations()) {
      const timing = a.effect?.getComputedTiming?.();
      const duration = typeof timing?.duration === "number" ? timing.duration : 0;
      a.pause();
      a.currentTime = end ? Math.max(0, duration - 1) : 0;
    }
  }

  window.__contrast = { parseColor, over, ratio, luminance, hex, auditDom, auditCanvases, holdAnimations };
})();
"""

CANVAS_RECORDER_JS = r"""
(() => {
  // Every text drawn on a canvas, with the pixels under its glyphs just before it was drawn; which
  // canvas was drawn into which (a symbol into a map's scene, the scene onto the screen), and the
  // colour under each symbol where it was put. Pixels under a symbol or a text drawn before are
  // left out: a label that overlaps its neighbour is a matter of placement, not of colour.
  const P = CanvasRenderingContext2D.prototype;
  const original = {
    fillText: P.fillText, drawImage: P.drawImage, fillRect: P.fillRect, clearRect: P.clearRect,
  };
  const rec = {
    canvases: [], ids: new WeakMap(),
    texts: new Map(), drawnOn: new Map(), boxes: new Map(), grounds: new Map(),
  };
  Object.defineProperty(window, "__contrastCanvas", { value: rec });
  let scratch = null;
  const idOf = (canvas) => {
    let id = rec.ids.get(canvas);
    if (id === undefined) {
      id = rec.canvases.length;
      rec.canvases.push(canvas);
      rec.ids.set(canvas, id);
    }
    return id;
  };
  const book = (map, key, fresh) => {
    if (!map.has(key)) map.set(key, fresh());
    return map.get(key);
  };
  const wipes = (ctx, x, y, w, h) => ctx.getTransform().isIdentity
    && x <= 0 && y <= 0 && x + w >= ctx.canvas.width && y + h >= ctx.canvas.height;
  const forget = (canvas) => {
    const id = idOf(canvas);
    for (const map of [rec.texts, rec.drawnOn, rec.boxes, rec.grounds]) map.delete(id);
  };
  /** The device-pixel box of a user-space rectangle under the context's transform. */
  const deviceBox = (ctx, x, y, w, h) => {
    const t = ctx.getTransform();
    const px = [];
    const py = [];
    for (const u of [x, x + w]) {
      for (const v of [y, y + h]) {
        px.push(t.a * u + t.c * v + t.e);
        py.push(t.b * u + t.d * v + t.f);
      }
    }
    return [Math.min(...px), Math.min(...py), Math.max(...px), Math.max(...py)];
  };
  const occupy = (canvas, box) => {
    const boxes = book(rec.boxes, idOf(canvas), () => []);
    if (boxes.length < 5000) boxes.push(box);
  };
  const luma = (d, i) => 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
  /** The colour a picture is about to be drawn on: the median pixel of the box it will cover. */
  const groundUnder = (ctx, box) => {
    const x0 = Math.max(0, Math.floor(box[0]));
    const y0 = Math.max(0, Math.floor(box[1]));
    const w = Math.min(ctx.canvas.width, Math.ceil(box[2])) - x0;
    const h = Math.min(ctx.canvas.height, Math.ceil(box[3])) - y0;
    if (w <= 0 || h <= 0) return null;
    const d = ctx.getImageData(x0, y0, w, h).data;
    const order = [];
    for (let i = 0; i < d.length; i += 4) order.push(i);
    order.sort((a, b) => luma(d, a) - luma(d, b));
    const i = order[order.length >> 1];
    return [d[i], d[i + 1], d[i + 2], d[i + 3] / 255];
  };
  const overPx = (top, bottom) => {
    const a = top[3] + bottom[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  /** The colour under a box of a layer canvas on screen: that canvas and every map layer below
   * it (each at its own opacity), composed; the median pixel by luminance. */
  const groundOnScreen = (ctx, box) => {
    const target = ctx.canvas;
    const host = target.closest(".ol-viewport") || target.parentElement;
    if (!host) return null;
    const stack = [...host.querySelectorAll("canvas")]
      .filter((c) => c.width === target.width && c.height === target.height);
    const upto = stack.indexOf(target);
    const x0 = Math.max(0, Math.floor(box[0]));
    const y0 = Math.max(0, Math.floor(box[1]));
    const w = Math.min(target.width, Math.ceil(box[2])) - x0;
    const h = Math.min(target.height, Math.ceil(box[3])) - y0;
    if (w <= 0 || h <= 0 || upto < 0) return null;
    let acc = null;
    for (const c of stack.slice(0, upto + 1)) {
      const cx = c.getContext("2d");
      if (!cx) continue;
      // a layer's background colour is its container's (the sea under the basemap), not its pixels
      const bg = (getComputedStyle(c.parentElement).backgroundColor.match(/[\d.]+/g) || []).map(Number);
      if (bg.length >= 3 && (bg.length === 3 || bg[3] > 0)) {
        const under = [bg[0], bg[1], bg[2], bg.length === 3 ? 1 : bg[3]];
        acc = acc ? acc.map((p) => overPx(under, p)) : Array.from({ length: w * h }, () => under);
      }
      const d = cx.getImageData(x0, y0, w, h).data;
      const opacity = parseFloat(getComputedStyle(c).opacity || "1");
      const px = [];
      for (let i = 0; i < d.length; i += 4) px.push([d[i], d[i + 1], d[i + 2], (d[i + 3] / 255) * opacity]);
      acc = acc ? px.map((p, k) => overPx(p, acc[k])) : px;
    }
    if (!acc) return null;
    const order = acc.map((p, k) => k).sort((a, b) => {
      const l = (p) => 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
      return l(acc[a]) - l(acc[b]);
    });
    return acc[order[order.length >> 1]];
  };
  P.fillRect = function (x, y, w, h) {
    if (this.canvas instanceof HTMLCanvasElement && wipes(this, x, y, w, h)) forget(this.canvas);
    return original.fillRect.apply(this, arguments);
  };
  P.clearRect = function (x, y, w, h) {
    if (this.canvas instanceof HTMLCanvasElement && wipes(this, x, y, w, h)) forget(this.canvas);
    return original.clearRect.apply(this, arguments);
  };
  P.drawImage = function (image) {
    if (image instanceof HTMLCanvasElement && this.canvas instanceof HTMLCanvasElement) {
      try { placed(this, image, arguments); } catch (e) { /* never in the page's way */ }
    }
    return original.drawImage.apply(this, arguments);
  };
  function placed(ctx, image, a) {
    const target = idOf(ctx.canvas);
    const sprite = idOf(image);
    book(rec.drawnOn, target, () => new Set()).add(sprite);
    const [dx, dy, dw, dh] = a.length >= 9 ? [a[5], a[6], a[7], a[8]]
      : a.length >= 5 ? [a[1], a[2], a[3], a[4]] : [a[1], a[2], image.width, image.height];
    const box = deviceBox(ctx, dx, dy, dw, dh);
    if (ctx.canvas.isConnected) {
      // onto a layer of the map on screen: a whole picture (a tile, a layer) is not a symbol; a
      // small one is, and the map under it is every layer below it, composed
      if (box[2] - box[0] >= ctx.canvas.width / 2 || box[3] - box[1] >= ctx.canvas.height / 2) return;
      const ground = groundOnScreen(ctx, box);
      if (ground) {
        const places = book(book(rec.grounds, target, () => new Map()), sprite, () => new Map());
        places.set(ground.slice(0, 3).join(","), ground);
      }
      return;
    }
    const ground = groundUnder(ctx, box);
    if (ground) {
      const places = book(book(rec.grounds, target, () => new Map()), sprite, () => new Map());
      places.set(ground.slice(0, 3).join(","), ground);
    }
    occupy(ctx.canvas, box);
  }
  P.fillText = function (text, x, y) {
    try { note(this, String(text), x, y); } catch (e) { /* never in the page's way */ }
    return original.fillText.apply(this, arguments);
  };
  function note(ctx, text, x, y) {
    const canvas = ctx.canvas;
    if (!text.trim() || !(canvas instanceof HTMLCanvasElement) || canvas === scratch) return;
    const fill = typeof ctx.fillStyle === "string" ? ctx.fillStyle : "rgba(0, 0, 0, 0)";
    if (ctx.globalAlpha === 0 || /,\s*0(\.0*)?\)$/.test(fill)) return; // an outline pass: a halo
    const m = ctx.measureText(text);
    const t = ctx.getTransform();
    const box = deviceBox(ctx, x - m.actualBoundingBoxLeft, y - m.actualBoundingBoxAscent,
      m.actualBoundingBoxLeft + m.actualBoundingBoxRight,
      m.actualBoundingBoxAscent + m.actualBoundingBoxDescent);
    const x0 = Math.max(0, Math.floor(box[0]) - 1);
    const y0 = Math.max(0, Math.floor(box[1]) - 1);
    const w = Math.min(canvas.width, Math.ceil(box[2]) + 1) - x0;
    const h = Math.min(canvas.height, Math.ceil(box[3]) + 1) - y0;
    if (w <= 0 || h <= 0) return;
    // the glyphs' own pixels: the same text in black on a scratch canvas
    scratch = scratch || document.createElement("canvas");
    scratch.width = w;
    scratch.height = h;
    const s = scratch.getContext("2d", { willReadFrequently: true });
    s.setTransform(t.a, t.b, t.c, t.d, t.e - x0, t.f - y0);
    s.font = ctx.font;
    s.textAlign = ctx.textAlign;
    s.textBaseline = ctx.textBaseline;
    s.direction = ctx.direction;
    s.fillStyle = "#000";
    original.fillText.call(s, text, x, y);
    const mask = s.getImageData(0, 0, w, h).data;
    const below = ctx.getImageData(x0, y0, w, h).data;
    const taken = rec.boxes.get(idOf(canvas)) ?? [];
    const under = [];
    for (let i = 3; i < mask.length; i += 4) {
      if (mask[i] < 128) continue;
      const px = x0 + ((i >> 2) % w) + 0.5;
      const py = y0 + Math.floor((i >> 2) / w) + 0.5;
      if (taken.some((b) => px >= b[0] && px <= b[2] && py >= b[1] && py <= b[3])) continue;
      under.push([below[i - 3], below[i - 2], below[i - 1], below[i] / 255]);
    }
    if (!canvas.isConnected) occupy(canvas, box);
    if (!under.length) return;
    const step = Math.ceil(under.length / 256);
    const fontPx = parseFloat((ctx.font.match(/([\d.]+)px/) || [0, 10])[1]);
    book(rec.texts, idOf(canvas), () => new Map()).set(`${text}@${x0},${y0}`, {
      text, fill, alpha: ctx.globalAlpha,
      px: fontPx * Math.sqrt(Math.abs(t.a * t.d - t.b * t.c)), // canvas pixels: CSS pixels at scale 1
      bold: /\bbold\b|\b[6-9]00\b/.test(ctx.font),
      under: under.filter((_, k) => k % step === 0),
    });
  }
})();
"""


@dataclass
class Audit:
    """What one screen showed: texts measured, failures, texts on pictures."""

    checked: int = 0
    symbols: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)
    unknown: list[dict[str, Any]] = field(default_factory=list)

    def add(self, found: dict[str, Any]) -> None:
        """One more look at the same screen: its failures added to those seen."""
        self.checked = max(self.checked, found["checked"])
        self.symbols = max(self.symbols, found.get("symbols", 0))
        seen = {(f["element"], f["text"], f["fg"], f["bg"]) for f in self.failures}
        self.failures += [
            f for f in found["failures"] if (f["element"], f["text"], f["fg"], f["bg"]) not in seen
        ]
        self.unknown += [u for u in found["unknown"] if u not in self.unknown]


NEXT_FRAME = "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def audit(page: Page) -> tuple[Audit, Audit]:
    """The page in the dark theme and in the light one, animations held at both ends of their cycle."""
    page.evaluate(CONTRAST_JS)
    page.evaluate(NEXT_FRAME)
    results = []
    for theme in THEMES:
        page.evaluate("(theme) => { document.documentElement.dataset.theme = theme; }", theme)
        seen = Audit()
        for end in (False, True):
            page.evaluate("(end) => window.__contrast.holdAnimations(end)", end)
            seen.add(page.evaluate("window.__contrast.auditDom()"))
        results.append(seen)
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    page.evaluate("document.getAnimations().forEach((a) => a.play())")
    return results[0], results[1]


def drawn_on_canvases(page: Page) -> Audit:
    """The maps on screen (the same in both themes: the map is dark)."""
    page.evaluate(CONTRAST_JS)
    page.evaluate(NEXT_FRAME)
    seen = Audit()
    seen.add(page.evaluate("window.__contrast.auditCanvases()"))
    return seen


def listing(failures: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"  {f['screen']}: {f['element']} {f['text']!r}: {f['fg']} on {f['bg']} = {f['ratio']}"
        f" (needs {f['need']}, {f['size']})"
        for f in failures
    )


@dataclass
class Tour:
    themes: dict[str, dict[str, Audit]] = field(default_factory=lambda: {t: {} for t in THEMES})
    maps: dict[str, Audit] = field(default_factory=dict)

    def record(self, screen: str, page: Page) -> None:
        self.themes["dark"][screen], self.themes["light"][screen] = audit(page)

    def failures(self, theme: str) -> list[dict[str, Any]]:
        return [{**f, "screen": s} for s, a in self.themes[theme].items() for f in a.failures]


@pytest.fixture(scope="class")
def demo_url(tmp_path_factory: pytest.TempPathFactory, demo_snapshot: Path) -> Iterator[str]:
    node = _node(tmp_path_factory.mktemp("contrast"), with_script=True, snapshot=demo_snapshot)
    with serving(create_app(node, sweep_alerts=False)) as url:
        yield url
    node.close()


def report_elsewhere(base_url: str) -> None:
    """A new isolating event, reported by the JFSOCC: every other screen raises the alert banner."""
    answer = httpx2.post(
        f"{base_url}/api/incidents",
        json={
            "title": "Beacon: unknown aircrew",
            "owning_component": "JFSOCC",
            "isolating_event_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
            "position": {"lat": 40.2, "lon": 9.1},
            "uncertainty_m": 500,
            "channel": "voice",
            "source_confidence": "probably_true",
            "environment": "land",
            "persons": [{"name": "Unknown aircrew", "component_id": "JFSOCC"}],
        },
        headers=token_of(base_url, "jfsocc"),
    )
    assert answer.status_code == 201, answer.text


@pytest.fixture(scope="class")
def tour(browser: Browser, demo_url: str) -> Iterator[Tour]:
    """The controller's screens of the demo, each measured in both themes."""
    seen = Tour()
    context = browser.new_context(viewport={"width": 1500, "height": 950}, bypass_csp=True)
    context.add_init_script(INSTRUMENT)
    context.add_init_script(CANVAS_RECORDER_JS)
    page = context.new_page()
    page.goto(demo_url + "/")
    page.wait_for_selector("form.login")
    seen.record("login", page)
    page.fill("input[name=username]", "controller")
    page.fill("input[name=password]", PASSWORDS["controller"])
    page.click("form.login button[type=submit]")
    page.wait_for_selector("[data-me]")

    # the map, close enough for the labels of symbols and areas, with a symbol's card open
    page.wait_for_function(
        "window.__cop && window.__cop.map && window.__cop.map.drawnCount >= 37", timeout=15000
    )
    scenes = page.evaluate("window.__cop.map.scenesDrawn")
    page.evaluate("window.__cop.map.centerOn(40.05, 9.3, 9)")
    page.wait_for_function(f"window.__cop.map.scenesDrawn > {scenes}")
    spot = page.evaluate("window.__cop.map.screenPosition('incident:PR-RAVEN21')")
    box = page.locator(".map-canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    expect(page.locator("[data-card='PR-RAVEN21']")).to_be_visible()
    seen.record("map", page)
    seen.maps["map"] = drawn_on_canvases(page)

    page.keyboard.press("b")
    page.wait_for_selector("[data-stage='reported'] .card")
    seen.record("board", page)

    page.goto(f"{demo_url}/#/readiness")
    page.wait_for_selector("[data-lacking]")
    seen.record("readiness", page)

    # a search at sea: the numbers, the information, the plan form and the probability map
    page.goto(f"{demo_url}/#/incident/PR-KNIGHT44")
    expect(page.locator("[data-locate='shown']")).to_be_visible(timeout=10000)
    page.wait_for_function(
        "window.__cop && window.__cop.locateMap && window.__cop.locateMap.picturesLoaded >= 1",
        timeout=10000,
    )
    seen.record("incident PR-KNIGHT44 (Locate)", page)
    seen.maps["Locate map"] = drawn_on_canvases(page)

    # the authenticated casualty, the threat assessment, the recovery options and their
    # restrictions, the relationship chart
    page.goto(f"{demo_url}/#/incident/PR-RAVEN21")
    expect(page.locator("[data-authentication='authenticated']").first).to_be_visible(timeout=10000)
    page.click("[data-assess]")
    expect(page.locator("[data-recommendation]")).to_be_visible(timeout=15000)
    page.click("[data-generate-options]")
    expect(page.locator("th[data-option], .options p.help").first).to_be_visible(timeout=20000)
    page.click("[data-restrictions] summary")
    seen.record("incident PR-RAVEN21 (assessment, options)", page)

    # the report form, one field wrong
    page.keyboard.press("n")
    page.fill("[data-field=position] input", "32TNK123")
    expect(page.locator("[data-error-for=position]")).not_to_be_empty()
    seen.record("report form", page)
    page.keyboard.press("Escape")

    page.keyboard.press("b")
    page.wait_for_selector("html[data-feed=open]")
    report_elsewhere(demo_url)
    expect(page.locator("[data-alert]")).to_contain_text("NEW ISOLATING EVENT", timeout=5000)
    seen.record("alert banner", page)

    page.keyboard.press("?")
    expect(page.locator(".modal .form h2")).to_have_text("Keyboard")
    seen.record("keyboard help", page)
    page.keyboard.press("Escape")

    # your turn, and a poll answer given by phone, recorded with the list of what may be offered
    page.goto(f"{demo_url}/#/inbox")
    page.wait_for_selector("[data-turn]")
    seen.record("your turn", page)
    page.goto(f"{demo_url}/#/incident/PR-KNIGHT44")
    page.click("[data-action=relay_answer_poll]")
    page.select_option("[data-field=component_id] select", "JFMCC")
    page.wait_for_selector("[data-offer-picker] [data-asset]")
    seen.record("poll answer recorded by voice", page)
    page.keyboard.press("Escape")
    yield seen
    context.close()


def blank(browser: Browser, content: str, *, recorder: bool = False) -> Page:
    context = browser.new_context(viewport={"width": 800, "height": 600})
    if recorder:
        context.add_init_script(CANVAS_RECORDER_JS)
    page = context.new_page()
    page.set_content(content)
    page.evaluate(CONTRAST_JS)
    return page


FAULTY_PAGE = """<!doctype html><style>
  body { background: #fff; margin: 0; font: 16px sans-serif; }
  .grey { color: #777; } .fine { color: #595959; } .big { color: #949494; font-size: 24px; }
  .banner { background: #ff5050; color: #fff; } .faded { opacity: 0.5; color: #000; }
  input::placeholder { color: #aaa; }
  .picture { background: url(data:image/gif;base64,R0lGODlhAQABAAAAACw=); }
</style>
<p class="grey">grey on white</p><p class="fine">dark grey on white</p>
<p class="big">large grey</p><div class="banner">NEW ISOLATING EVENT</div>
<p class="faded">half opaque black</p><input placeholder="faint hint">
<div class="picture">on a picture</div>
<svg width="300" height="60" style="background: #131a22">
  <rect x="0" y="0" width="300" height="30" fill="#3f8cff"/>
  <text x="4" y="20" fill="#fff" font-size="11">on the bar</text>
  <text x="4" y="50" fill="#000" font-size="12">dark on dark</text>
  <text x="150" y="50" fill="#fff" stroke="#000" stroke-width="3" font-size="12">halo</text>
</svg>"""

FAULTY_MAP = """() => {
  const screen = document.querySelector("canvas");
  const scene = document.createElement("canvas");
  scene.width = 400;
  scene.height = 200;
  const ctx = scene.getContext("2d");
  ctx.fillStyle = "#1d2a36";
  ctx.fillRect(0, 0, 400, 200);
  const symbol = (draw) => {
    const c = document.createElement("canvas");
    c.width = 80;
    c.height = 30;
    const s = c.getContext("2d");
    s.font = "12px sans-serif";
    draw(s);
    return c;
  };
  const black = symbol((s) => { s.fillStyle = "#000"; s.fillText("RP HARBOR", 2, 20); });
  const haloed = symbol((s) => {
    s.lineWidth = 4;
    s.strokeStyle = "#fff";
    s.strokeText("LZ FALCON", 2, 20);
    s.fillStyle = "#000";
    s.fillText("LZ FALCON", 2, 20);
  });
  ctx.drawImage(black, 10, 10);
  ctx.drawImage(haloed, 10, 60);
  ctx.font = "12px sans-serif";
  ctx.fillStyle = "#e8eef5";
  ctx.fillText("PR-RAVEN21", 120, 30);
  ctx.fillStyle = "#3d5163";
  ctx.fillText("faint area", 120, 80);
  screen.getContext("2d").drawImage(scene, 0, 0);
}"""


class TestTheMeasure:
    """The measure itself, on pairs and pages whose answer is known."""

    @pytest.mark.parametrize(
        ("fg", "bg", "expected"),
        [
            ("#777777", "#ffffff", 4.48),
            ("#000000", "#ffffff", 21.0),
            ("#767676", "#ffffff", 4.54),
            ("#ffffff", "#ff5050", 3.22),
            ("#fff", "#fff", 1.0),
        ],
    )
    def test_the_ratio_is_wcag_2s_for_published_pairs(
        self, browser: Browser, fg: str, bg: str, expected: float
    ):
        page = blank(browser, "<!doctype html><title>contrast</title>")
        found = page.evaluate("([a, b]) => window.__contrast.ratio(a, b)", [fg, bg])
        assert round(found, 2) == expected
        page.context.close()

    def test_faint_text_placeholders_and_svg_labels_are_found_and_pictures_counted(self, browser: Browser):
        page = blank(browser, FAULTY_PAGE)
        found = page.evaluate("window.__contrast.auditDom()")
        failing = {f["text"]: f["ratio"] for f in found["failures"]}
        assert failing == {
            "grey on white": 4.48,
            "NEW ISOLATING EVENT": 3.22,
            "faint hint": 2.32,
            "half opaque black": 3.98,
            "on the bar": 3.28,
            "dark on dark": 1.2,
        }
        assert [u["text"] for u in found["unknown"]] == ["on a picture"]
        assert found["checked"] == 9  # and "large grey" (3.03) and the haloed text pass
        page.context.close()

    def test_text_and_symbols_drawn_on_a_canvas_are_measured_against_what_lies_under_them(
        self, browser: Browser
    ):
        page = blank(browser, '<!doctype html><canvas width="400" height="200"></canvas>', recorder=True)
        page.evaluate(FAULTY_MAP)
        found = page.evaluate("window.__contrast.auditCanvases()")
        failing = {(f["element"], f["text"]) for f in found["failures"]}
        assert failing == {
            ("symbol text", "RP HARBOR"),
            ("symbol", "RP HARBOR"),
            ("map label", "faint area"),
        }
        assert found["checked"] == 4  # the haloed text and the light label pass
        page.context.close()


class TestThemes:
    """The tour of the controller's screens, each in both themes."""

    def test_every_text_meets_wcag_aa_in_the_dark_theme(self, tour: Tour):
        failures = tour.failures("dark")
        assert not failures, f"{len(failures)} texts below WCAG AA in the dark theme:\n{listing(failures)}"

    def test_every_text_meets_wcag_aa_in_the_light_theme(self, tour: Tour):
        failures = tour.failures("light")
        assert not failures, f"{len(failures)} texts below WCAG AA in the light theme:\n{listing(failures)}"

    def test_every_symbol_and_label_on_the_maps_stands_out_from_the_map(self, tour: Tour):
        failures = [{**f, "screen": s} for s, a in tour.maps.items() for f in a.failures]
        assert not failures, f"{len(failures)} symbols or labels faint on the map:\n{listing(failures)}"
        assert tour.maps["map"].symbols >= 20  # every kind of symbol in view (one picture per kind)
        assert tour.maps["map"].checked >= 37  # the labels of the 37 symbols, and their designations
        assert tour.maps["Locate map"].checked >= 1

    def test_every_screen_was_measured_and_few_texts_lie_on_pictures(self, tour: Tour):
        for theme in THEMES:
            for screen, seen in tour.themes[theme].items():
                assert seen.checked >= 5, f"{screen} ({theme}): only {seen.checked} texts measured"
            assert sum(a.checked for a in tour.themes[theme].values()) >= 500
        unknown = [u for a in tour.themes["dark"].values() for u in a.unknown]
        unknown += [u for a in tour.maps.values() for u in a.unknown]
        assert len(unknown) <= MOST_UNMEASURED, unknown
