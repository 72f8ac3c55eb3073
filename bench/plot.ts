/**
 * Render times of each chart type (src/plot): the first render of a process (which loads
 * vega and vega-lite) and the median of the next runs, for SVG and PNG.
 * Run: node --import tsx bench/plot.ts
 */
import { heatmap, imageGrid, lineChart, type Figure } from '../src/plot/index.js';

const RUNS = 5;

const lrs = Array.from({ length: 100 }, (_, i) => 1e-7 * 10 ** ((8 * i) / 99));
const steps = Array.from({ length: 500 }, (_, i) => i);
const breeds = Array.from({ length: 37 }, (_, i) => `breed_name_number_${i}`);
const cells = Array.from({ length: 9 }, (_, i) => ({
  image: { data: new Uint8Array(224 * 224 * 3).fill(i * 20), width: 224, height: 224, channels: 3 as const },
  caption: [{ text: 'american_pit_bull_terrier' }, { text: 'Abyssinian', color: 'red' }],
}));

const charts: Record<string, () => Figure> = {
  'lineChart: lr finder (log x, 100 points, 2 markers)': () =>
    lineChart({ series: [{ x: lrs, y: lrs.map((lr) => 2 - Math.tanh(Math.log10(lr) + 3)) }], xScale: 'log', xLabel: 'Learning Rate', yLabel: 'Loss', markers: [{ x: 1e-3, y: 2, label: 'valley: 1.0e-3' }, { x: 1e-2, y: 1.5, label: 'slide: 1.0e-2' }] }),
  'lineChart: losses (500 + 5 points, legend)': () =>
    lineChart({ series: [{ name: 'train', x: steps, y: steps.map((i) => 1 / (1 + i / 50)) }, { name: 'valid', x: [99, 199, 299, 399, 499], y: [0.5, 0.3, 0.25, 0.22, 0.2] }], xLabel: 'iteration', yLabel: 'loss' }),
  'lineChart: 4 panels, 2 columns': () => lineChart([0, 1, 2, 3].map((k) => ({ title: `metric ${k}`, series: [{ x: [0, 1, 2, 3], y: [k, k + 1, k, k + 2] }] })), { columns: 2, width: 300, height: 180 }),
  'heatmap: 37 x 37 confusion matrix': () =>
    heatmap({ values: breeds.map((_, r) => breeds.map((_, c) => (r === c ? 20 : (r + c) % 9 === 0 ? 2 : 0))), rowLabels: breeds, colLabels: breeds, xLabel: 'Predicted', yLabel: 'Actual', title: 'Confusion matrix' }),
  'imageGrid: 3 x 3 of 224 px images, 2 caption lines': () => imageGrid(cells, { title: 'Prediction/Actual' }),
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

console.log('chart | first PNG (ms) | SVG median (ms) | PNG median (ms)');
for (const [name, make] of Object.entries(charts)) {
  const first = await time(() => make().toPNG());
  const svg: number[] = [];
  const png: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    svg.push(await time(() => make().toSVG()));
    png.push(await time(() => make().toPNG()));
  }
  console.log(`${name} | ${first.toFixed(0)} | ${median(svg).toFixed(0)} | ${median(png).toFixed(0)}`);
}
