/**
 * Run by fonts.test.ts in a fresh process (fontconfig reads its configuration once per
 * process): draws a line of `iiiiiiii` and one of `WWWWWWWW` through the plot module, as an
 * image-grid caption and as a chart title, and prints their ink as JSON.
 */
import { imageGrid, lineChart } from '../../src/plot/index.js';
import { decode, ink } from './pixels.js';

const white = { data: new Uint8Array(16 * 16 * 3).fill(255), width: 16, height: 16, channels: 3 as const };

async function captionInk(text: string): Promise<number> {
  return ink(await decode(await imageGrid([{ image: white, caption: [{ text }] }], { cellSize: 200 }).toPNG()));
}

async function titleInk(title: string | undefined): Promise<number> {
  const panel = { series: [{ x: [0, 1], y: [0, 1] }], ...(title !== undefined ? { title } : {}) };
  return ink(await decode(await lineChart(panel, { width: 240, height: 60 }).toPNG()));
}

const base = await titleInk('');
console.log(
  JSON.stringify({
    fontconfig: process.env.FONTCONFIG_FILE ?? null,
    caption: { i: await captionInk('iiiiiiii'), W: await captionInk('WWWWWWWW') },
    title: { i: (await titleInk('iiiiiiii')) - base, W: (await titleInk('WWWWWWWW')) - base },
  }),
);
