/**
 * The bundled font: Open Sans (npm `open-sans-fonts`, Apache-2.0) served to sharp/librsvg
 * through fontconfig, so text renders the same on machines without system fonts (where
 * librsvg would draw empty boxes and report no error).
 *
 * fontconfig reads `FONTCONFIG_FILE` once, at the process's first text render, so
 * {@link useBundledFonts} runs when the plot module is evaluated and again before every
 * render (a no-op once set). Set `FASTAI_TS_SYSTEM_FONTS=1` to leave fontconfig alone and
 * use the system's fonts instead.
 * @module
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { escapeXml } from './checks.js';

/** The family every figure names (with a generic fallback for SVGs opened elsewhere). */
export const FONT_FAMILY = 'Open Sans, sans-serif';

/** The folder of the `open-sans-fonts` package's `open-sans/` fonts. */
export function openSansDir(): string {
  const pkg = createRequire(import.meta.url).resolve('open-sans-fonts/package.json');
  return join(dirname(pkg), 'open-sans');
}

function configText(fontDir: string, cacheDir: string): string {
  // Only Regular and Bold: fontconfig then falls back to Open Sans for any family asked for.
  return [
    '<?xml version="1.0"?>',
    '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">',
    '<fontconfig>',
    `  <dir>${escapeXml(join(fontDir, 'Regular'))}</dir>`,
    `  <dir>${escapeXml(join(fontDir, 'Bold'))}</dir>`,
    `  <cachedir>${escapeXml(cacheDir)}</cachedir>`,
    '</fontconfig>',
    '',
  ].join('\n');
}

let configFile: string | undefined;

/** True when the user asked for the system's fonts (`FASTAI_TS_SYSTEM_FONTS=1`). */
export function systemFontsWanted(): boolean {
  const v = process.env.FASTAI_TS_SYSTEM_FONTS;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

/**
 * Writes (once per user and package location) a fonts.conf naming only the bundled Open Sans
 * folders and a cache folder under `os.tmpdir()/fastai-ts-fonts-<uid>/`, and points
 * `process.env.FONTCONFIG_FILE` at it. Idempotent and cheap; does nothing when
 * `FASTAI_TS_SYSTEM_FONTS=1`. It only takes effect before the process's first text render
 * (fontconfig reads its configuration once). Returns the config's path, or undefined when
 * left alone (the opt-out, or the files could not be written: a warning says why, once).
 */
export function useBundledFonts(): string | undefined {
  if (systemFontsWanted()) return undefined;
  if (configFile && process.env.FONTCONFIG_FILE === configFile && existsSync(configFile)) return configFile;
  try {
    return writeConfig();
  } catch (err) {
    // Drawing still works with the system's fonts; say once why the bundled one is not used.
    if (!warned) process.emitWarning(`fastai-ts plot: cannot set up the bundled Open Sans font (${(err as Error).message}); text uses the system's fonts`, 'FontWarning');
    warned = true;
    return undefined;
  }
}

let warned = false;

function writeConfig(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const root = join(tmpdir(), `fastai-ts-fonts-${uid}`);
  const cacheDir = join(root, 'cache');
  const file = join(root, 'fonts.conf');
  const text = configText(openSansDir(), cacheDir);
  mkdirSync(cacheDir, { recursive: true });
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  if (current !== text) {
    // Write then rename, so a process starting in parallel never reads half a file.
    const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  }
  process.env.FONTCONFIG_FILE = file;
  configFile = file;
  return file;
}
