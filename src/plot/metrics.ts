/**
 * Text widths from Open Sans's own advance widths (read from the SVG font shipped in
 * `open-sans-fonts`), so vega lays out labels, legends and titles for the font we draw with.
 * Without a canvas, vega guesses 0.8 em per character, which leaves wide gaps and truncates
 * long labels (37 breed names) too early.
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSansDir } from './fonts.js';

interface FontMetrics {
  unitsPerEm: number;
  fallback: number;
  advance: Map<number, number>;
}

const cache = new Map<string, FontMetrics>();

function decodeEntity(s: string): string {
  return s.replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function load(weight: 'Regular' | 'Bold'): FontMetrics {
  const hit = cache.get(weight);
  if (hit) return hit;
  const svg = readFileSync(join(openSansDir(), weight, `OpenSans-${weight}.svg`), 'utf8');
  const unitsPerEm = Number(/units-per-em="(\d+)"/.exec(svg)?.[1] ?? 2048);
  const fallback = Number(/<font [^>]*horiz-adv-x="(\d+)"/.exec(svg)?.[1] ?? unitsPerEm * 0.55);
  const advance = new Map<number, number>();
  for (const m of svg.matchAll(/<glyph unicode="([^"]+)"(?: horiz-adv-x="(\d+)")?/g)) {
    const chars = [...decodeEntity(m[1]!)];
    // Ligature glyphs (several characters) are skipped: we measure character by character.
    if (chars.length === 1) advance.set(chars[0]!.codePointAt(0)!, m[2] ? Number(m[2]) : fallback);
  }
  const metrics = { unitsPerEm, fallback, advance };
  cache.set(weight, metrics);
  return metrics;
}

/** Width in px of `text` set in Open Sans at `fontSize` px (no kerning). */
export function textWidth(text: string, fontSize: number, bold = false): number {
  const m = load(bold ? 'Bold' : 'Regular');
  let units = 0;
  for (const ch of text) units += m.advance.get(ch.codePointAt(0)!) ?? m.fallback;
  return (units / m.unitsPerEm) * fontSize;
}

function isBold(weight: unknown): boolean {
  return weight === 'bold' || weight === 'bolder' || (typeof weight === 'number' && weight >= 600) || (typeof weight === 'string' && Number(weight) >= 600);
}

interface VegaTextMetrics {
  width: (item: Record<string, unknown>, text?: unknown) => number;
  estimateWidth: (item: Record<string, unknown>, text?: unknown) => number;
}

let patched = false;

/**
 * Makes vega measure Open Sans text with {@link textWidth} when it has no canvas to measure
 * with (other fonts keep vega's own estimate). Once per process.
 */
export function patchVegaTextMetrics(textMetrics: VegaTextMetrics): void {
  if (patched || textMetrics.width !== textMetrics.estimateWidth) return;
  patched = true;
  const estimate = textMetrics.estimateWidth;
  textMetrics.width = (item, text) => {
    const font = typeof item.font === 'string' ? item.font : '';
    if (!font.includes('Open Sans')) return estimate(item, text);
    const value = text === undefined || text === null ? '' : String(text as string).trim();
    const size = item.fontSize !== undefined && item.fontSize !== null ? Number(item.fontSize) || 0 : 11;
    const width = textWidth(value, size, isBold(item.fontWeight));
    // vega truncates text longer than `limit` (with an ellipsis) to about that width.
    const limit = Number(item.limit);
    return limit > 0 ? Math.min(width, limit) : width;
  };
}
