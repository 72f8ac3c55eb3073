import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { formatForFile, lineChart, renderFigure, saveFigure } from '../../src/plot/index.js';
import { tempDir } from '../data/fixtures.js';
import { ROOT } from '../helpers.js';
import { decode, nonWhite } from './pixels.js';

const fig = lineChart({ series: [{ name: 'train', x: [0, 1, 2], y: [3, 1, 2] }], xLabel: 'epoch' }, { width: 160, height: 100 });

describe('saving figures', () => {
  it('formatForFile: SVG for .svg (any case), else PNG', () => {
    assert.equal(formatForFile('a/b.svg'), 'svg');
    assert.equal(formatForFile('B.SVG'), 'svg');
    assert.equal(formatForFile('b.png'), 'png');
    assert.equal(formatForFile('b.svg.png'), 'png');
    assert.equal(formatForFile('b'), 'png');
  });

  it('saveFigure picks the format from the extension and creates missing folders', async (t) => {
    const dir = tempDir(t);
    const png = join(dir, 'a', 'b', 'chart.png');
    const svg = join(dir, 'c', 'chart.svg');
    const pngBytes = await saveFigure(fig, png);
    const svgBytes = await saveFigure(fig, svg);
    assert.ok(existsSync(png) && existsSync(svg));
    assert.equal(readFileSync(png).subarray(1, 4).toString(), 'PNG');
    assert.deepEqual(readFileSync(png), pngBytes);
    const text = readFileSync(svg, 'utf8');
    assert.match(text, /^<svg /);
    assert.match(text, />epoch</);
    assert.equal(text, svgBytes.toString('utf8'));
    const px = await decode(pngBytes);
    assert.deepEqual([px.width, px.height], [fig.width, fig.height]);
    assert.ok(nonWhite(px) > 500, 'not blank');
  });

  it('an explicit format wins over the extension; no file only returns the bytes', async (t) => {
    const file = join(tempDir(t), 'chart.png');
    const bytes = await saveFigure(fig, file, 'svg');
    assert.match(readFileSync(file, 'utf8'), /^<svg /);
    assert.equal((await saveFigure(fig)).subarray(1, 4).toString(), 'PNG');
    assert.match((await renderFigure(fig, 'svg')).toString(), /^<svg /);
    assert.deepEqual(bytes, await renderFigure(fig, 'svg'));
    await assert.rejects(renderFigure(fig, 'jpg' as 'png'), /format must be 'png' or 'svg', got jpg/);
  });
});

describe('src/plot is a leaf', () => {
  it('imports only node:, sharp and its own files statically; vega and vega-lite only when rendering', () => {
    const dir = join(ROOT, 'src', 'plot');
    const seen = new Set<string>();
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const src = readFileSync(join(dir, name), 'utf8');
      const statics = [...src.matchAll(/^(?:import|export)[^'";]*from '([^']+)'/gm)].map((m) => m[1]!);
      statics.forEach((x) => seen.add(x));
      for (const spec of statics) assert.ok(spec.startsWith('./') || spec.startsWith('node:') || spec === 'sharp', `${name} imports ${spec}`);
      const dynamic = [...src.matchAll(/import\('([^']+)'\)/g)].map((m) => m[1]!);
      dynamic.forEach((x) => seen.add(x));
      for (const spec of dynamic) assert.ok(['vega', 'vega-lite'].includes(spec), `${name} loads ${spec}`);
    }
    for (const spec of ['sharp', './render.js', 'vega', 'vega-lite']) assert.ok(seen.has(spec), `the scan finds ${spec}`);
  });
});
