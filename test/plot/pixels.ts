/**
 * Reading figures back as pixels: decoded with sharp, so tests look at what was drawn.
 */
import assert from 'node:assert/strict';
import sharp from 'sharp';

export interface Pixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

/** Decodes a PNG (or rasterises an SVG) to 8-bit RGB pixels. */
export async function decode(bytes: Buffer): Promise<Pixels> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** The RGB of pixel (x, y). */
export function rgb(p: Pixels, x: number, y: number): [number, number, number] {
  const o = (Math.round(y) * p.width + Math.round(x)) * p.channels;
  return [p.data[o]!, p.data[o + 1]!, p.data[o + 2]!];
}

/** Pixels for which `pred(r, g, b)` holds, within an optional box. */
export function count(p: Pixels, pred: (r: number, g: number, b: number) => boolean, box = { x0: 0, y0: 0, x1: p.width, y1: p.height }): number {
  let n = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const o = (y * p.width + x) * p.channels;
      if (pred(p.data[o]!, p.data[o + 1]!, p.data[o + 2]!)) n++;
    }
  }
  return n;
}

/** Pixels that are not (nearly) white. */
export function nonWhite(p: Pixels): number {
  return count(p, (r, g, b) => r < 245 || g < 245 || b < 245);
}

/** Pixels within `tol` of a colour given as #rrggbb. */
export function near(p: Pixels, hex: string, tol = 30): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
  return count(p, (r, g, b) => Math.abs(r - c[0]) <= tol && Math.abs(g - c[1]) <= tol && Math.abs(b - c[2]) <= tol);
}

/** Ink: the summed darkness (255 - mean of RGB) of every pixel. */
export function ink(p: Pixels): number {
  let total = 0;
  for (let o = 0; o < p.data.length; o += p.channels) total += 255 - (p.data[o]! + p.data[o + 1]! + p.data[o + 2]!) / 3;
  return Math.round(total);
}

/** The scale vega's chart was drawn at inside the figure's frame (1: it fitted, not shrunk). */
export function frameScale(svg: string): number {
  const inner = /^<svg[^>]*><rect[^>]*\/><svg [^>]*width="([\d.]+)" height="[\d.]+" viewBox="0 0 ([\d.]+) [\d.]+"/.exec(svg);
  assert.ok(inner, "the figure frames vega's SVG");
  return Number(inner[1]) / Number(inner[2]);
}

/** The text of every `<text>` element of an SVG. */
export function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

/**
 * The ink an SVG's text adds when rasterised: the PNG with its `<text>` elements minus the PNG
 * without them. Real glyphs add ink; so would empty boxes, which the ink test in fonts.test.ts
 * rules out for the bundled font.
 */
export async function textInk(svg: string): Promise<number> {
  const { svgToPNG } = await import('../../src/plot/index.js');
  const bare = svg.replace(/<text[^>]*>[^<]*<\/text>/g, '');
  return ink(await decode(await svgToPNG(svg))) - ink(await decode(await svgToPNG(bare)));
}
