/**
 * Reading CSV label files (with csv-parse) and fastai's `ColReader` over their rows.
 * @module
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Getter } from './labellers.js';

/** One CSV row: column name -> text. */
export type CsvRow = Record<string, string>;

/** Options for {@link readCsv}. */
export interface ReadCsvOptions {
  /** The first line names the columns. Default true; without a header, columns are named '0', '1', ... */
  header?: boolean;
  /** Field delimiter. Default: detected among `,`, `;`, tab and `|` from the first line. */
  delimiter?: string;
}

function detectDelimiter(text: string): string {
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  let best = ',';
  let count = 0;
  for (const d of [',', ';', '\t', '|']) {
    const n = first.split(d).length - 1;
    if (n > count) [best, count] = [d, n];
  }
  return best;
}

/** Reads a CSV file into rows (objects keyed by column name). Errors name the file and line. */
export function readCsv(path: string, options: ReadCsvOptions = {}): CsvRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`readCsv: cannot read '${path}' (${(e as Error).message}); check the path`, { cause: e });
  }
  const header = options.header ?? true;
  try {
    const records = parse(text, {
      columns: header ? true : false,
      delimiter: options.delimiter ?? detectDelimiter(text),
      skip_empty_lines: true,
      trim: true,
      bom: true,
    }) as CsvRow[] | string[][];
    if (header) return records as CsvRow[];
    return (records as string[][]).map((r) => Object.fromEntries(r.map((v, i) => [String(i), v])));
  } catch (e) {
    throw new Error(`readCsv: '${path}' is not valid CSV: ${(e as Error).message}`, { cause: e });
  }
}

/** Options for {@link ColReader}. */
export interface ColReaderOptions {
  /** Text put before the value (e.g. the image folder with a trailing `/`). Default ''. */
  pref?: string;
  /** Text put after the value (e.g. `'.jpg'`). Default ''. */
  suff?: string;
  /** Split the value on this delimiter into several labels (multi-label). Default: no split. */
  labelDelim?: string;
}

/** The value of column `col` (a name, or an index into the row's columns). Errors list the columns. */
export function readColumn(row: unknown, col: string | number, who = 'ColReader'): unknown {
  if (row === null || typeof row !== 'object') throw new TypeError(`${who}: expected a CSV row (an object), got ${JSON.stringify(row)}`);
  const keys = Object.keys(row);
  const key = typeof col === 'number' ? keys[col] : col;
  if (key === undefined || !(key in row)) {
    throw new Error(
      `${who}: the CSV has no column ${typeof col === 'number' ? `at index ${col}` : `'${col}'`}; its columns are ${keys.map((k) => `'${k}'`).join(', ')}`,
    );
  }
  return (row as Record<string, unknown>)[key];
}

/**
 * Reads column(s) `cols` of a CSV row, with an optional prefix, suffix and label delimiter
 * (fastai's `ColReader`). Several columns give an array of values.
 *
 * @example
 * ColReader('fname', { pref: `${path}/train/` }) // the image path of a row
 * ColReader('labels', { labelDelim: ' ' })       // several labels per row
 */
export function ColReader(cols: string | number | readonly (string | number)[], options: ColReaderOptions = {}): Getter<unknown, unknown> {
  const { pref = '', suff = '', labelDelim } = options;
  const one = (row: unknown, col: string | number): string | string[] => {
    let v = String(readColumn(row, col));
    if (pref || suff) v = `${pref}${v}${suff}`;
    return labelDelim === undefined ? v : v.split(labelDelim).filter((s) => s.length > 0);
  };
  const getter = (row: unknown) => (Array.isArray(cols) ? cols.map((c) => one(row, c)) : one(row, cols as string | number));
  const name = `ColReader(${JSON.stringify(cols)}${pref ? `, pref=${JSON.stringify(pref)}` : ''}${suff ? `, suff=${JSON.stringify(suff)}` : ''})`;
  return Object.defineProperty(getter, 'name', { value: name });
}
