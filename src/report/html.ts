/**
 * The pieces of the report's page: escaped text, tables, inlined PNG images and the style
 * sheet. Everything the page shows is made here, so nothing reaches it unescaped.
 * @module
 */
import { escapeXml } from '../plot/checks.js';

/** Text for HTML content and attribute values (`&`, `<`, `>`, quotes escaped). */
export const esc = (text: unknown): string => escapeXml(String(text));

/** A table cell: text (escaped) or markup made by these helpers. */
export type Cell = string | { html: string } | { text: string; className: string };

function cell(tag: 'td' | 'th', c: Cell): string {
  if (typeof c === 'string') return `<${tag}>${esc(c)}</${tag}>`;
  if ('html' in c) return `<${tag}>${c.html}</${tag}>`;
  return `<${tag} class="${esc(c.className)}">${esc(c.text)}</${tag}>`;
}

/** A table with one header row and the given body rows; `numeric` columns are right-aligned in tabular figures. */
export function table(head: readonly string[], rows: readonly (readonly Cell[])[], options: { id?: string; numeric?: readonly number[]; className?: string } = {}): string {
  const numeric = new Set(options.numeric ?? []);
  const id = options.id ? ` id="${esc(options.id)}"` : '';
  const cls = options.className ? ` class="${esc(options.className)}"` : '';
  return (
    `<table${id}${cls}><thead><tr>${head.map((h, i) => (numeric.has(i) ? `<th class="num">${esc(h)}</th>` : cell('th', h))).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => (numeric.has(i) && typeof c === 'string' ? `<td class="num">${esc(c)}</td>` : cell('td', c))).join('')}</tr>`).join('\n')}</tbody></table>`
  );
}

/** Width and height of a PNG, from its IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  const signature = '89504e470d0a1a0a';
  if (png.length < 24 || png.subarray(0, 8).toString('hex') !== signature) throw new Error('report: an image to inline is not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** A PNG inlined as a data: URI, drawn at its own size (smaller on narrow screens), with a caption. */
export function figure(png: Buffer, alt: string, caption?: string): string {
  const { width, height } = pngSize(png);
  const img = `<img src="data:image/png;base64,${png.toString('base64')}" width="${width}" height="${height}" alt="${esc(alt)}">`;
  return `<figure>${img}${caption ? `<figcaption>${esc(caption)}</figcaption>` : ''}</figure>`;
}

/** A paragraph saying why a part of the page is not there. */
export function missing(why: string): string {
  return `<p class="missing">${esc(why)}</p>`;
}

/** A section of the page with its heading; `id` is the anchor the contents link to. */
export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

/** The page's style sheet: plain, readable, printable; wide tables and images scroll or shrink instead of overflowing. */
export const CSS = `
:root { color-scheme: light; --fg: #1d2329; --muted: #5b6670; --line: #d8dee4; --band: #f4f6f8; --accent: #1f77b4; --warn-bg: #fff6db; --warn-line: #e8c766; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
header h1 { margin: 0 0 4px; font-size: 26px; }
header .sub { color: var(--muted); margin: 0 0 12px; }
header .result { font-size: 16px; margin: 8px 0; }
nav { display: flex; flex-wrap: wrap; gap: 4px 18px; margin: 12px 0 8px; padding: 8px 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); }
nav a { color: var(--accent); text-decoration: none; white-space: nowrap; }
nav a:hover { text-decoration: underline; }
section { margin-top: 28px; }
h2 { font-size: 20px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 8px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
code { background: var(--band); padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
.notes { background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 4px; padding: 8px 14px; margin: 12px 0; }
.notes ul { margin: 0; padding-left: 18px; }
.missing { color: var(--muted); font-style: italic; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 14px; margin: 4px 0 8px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--line); background: var(--band); white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
td.frozen { color: #8c564b; }
table.settings { width: 100%; table-layout: fixed; }
table.settings th { width: 190px; background: none; border-bottom: 1px solid var(--line); font-weight: 600; white-space: normal; }
table.settings td { overflow-wrap: anywhere; }
table.settings tr.group th { padding-top: 14px; color: var(--accent); font-size: 13px; text-transform: uppercase; letter-spacing: .04em; border-bottom: 2px solid var(--line); }
.settings-grid { columns: 2 440px; column-gap: 32px; }
.settings-grid table { break-inside: avoid; margin-top: 0; }
ul.fits { margin: 4px 0 0; padding-left: 18px; color: var(--muted); font-size: 14px; }
.figures { display: flex; flex-wrap: wrap; gap: 16px 28px; align-items: flex-start; }
figure { margin: 0; max-width: 100%; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
.row { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 32px; align-items: start; }
.row > section { min-width: 0; }
details summary { cursor: pointer; margin: 4px 0; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { nav { display: none; } section { break-inside: avoid-page; } }
`;
