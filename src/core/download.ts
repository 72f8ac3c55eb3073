/**
 * Downloading files safely: streamed to a temporary file beside the destination, checked
 * (length and optional sha256), then renamed into place, so a partial or corrupt download is
 * never used. Progress goes to stderr.
 * @module
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, createWriteStream, existsSync, mkdirSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes, progressBar } from './progress.js';
import { clause } from './text.js';

/** Options for {@link download}. */
export interface DownloadOptions {
  /** Expected sha256 (hex). Checked before the file is moved into place. Default: not checked. */
  sha256?: string;
  /** Label for the progress bar. Default: the file name. */
  label?: string;
  /** Hide the progress bar. Default: `FASTAI_TS_QUIET` is set. */
  quiet?: boolean;
  /** Give up after this many milliseconds without data. Default 60000. */
  timeoutMs?: number;
  /**
   * Refuse a response whose content type is `text/html`: a web page (a login, error or
   * "moved" page served with status 200) where a file such as an archive was expected.
   * Default false.
   */
  rejectHtml?: boolean;
}


/** The sha256 of a file, read in chunks (synchronously, for code that must stay synchronous such as model constructors). */
export function sha256FileSync(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    let n: number;
    while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/**
 * Downloads `url` to `dest` atomically. Throws (leaving nothing at `dest`) on HTTP errors,
 * network failures, truncated bodies and checksum mismatches; the message names the URL and
 * says how to supply the file by hand.
 */
export async function download(url: string, dest: string, options: DownloadOptions = {}): Promise<string> {
  mkdirSync(dirname(dest), { recursive: true });
  // Unique per call: two downloads of the same file at once (in one process or several) must not share a temporary file.
  const tmp = `${dest}.partial-${randomUUID()}`;
  const handBy = `download it yourself and place it at ${dest}` + (options.sha256 ? ` (sha256 ${options.sha256})` : '');
  const fail = (why: string, cause?: unknown, advice = `Check the network, or ${handBy}`): never => {
    rmSync(tmp, { force: true });
    throw new Error(`could not download ${url}: ${clause(why)}. ${advice}`, cause === undefined ? undefined : { cause });
  };

  const controller = new AbortController();
  const timeoutMs = options.timeoutMs ?? 60_000;
  let timer = setTimeout(() => controller.abort(), timeoutMs);
  const poke = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), timeoutMs);
  };
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    } catch (e) {
      return fail((e as Error).cause ? String((e as Error & { cause: Error }).cause.message ?? (e as Error).cause) : (e as Error).message, e);
    }
    if (!res.ok || !res.body) return fail(`HTTP ${res.status} ${res.statusText}`);
    const type = res.headers.get('content-type');
    if (options.rejectHtml && type && /^\s*text\/html\b/i.test(type)) {
      await res.body.cancel();
      return fail(
        `the server sent a web page (content type ${type}) instead of the file, and running again will fetch the same page`,
        undefined,
        `Open the URL in a browser to see what it says (the file may have moved, or need a login), or ${handBy}`,
      );
    }
    const total = Number(res.headers.get('content-length')) || undefined;
    const bar = progressBar({ total, label: options.label ?? dest.split('/').pop(), format: formatBytes, quiet: options.quiet });
    const hash = createHash('sha256');
    let received = 0;
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      hash.update(chunk);
      poke();
      bar.update(received);
    });
    const out = createWriteStream(tmp);
    try {
      await pipeline(body, out);
    } catch (e) {
      // The file stream opens and closes asynchronously: wait, or it could recreate the file after we remove it.
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      bar.finish('failed');
      return fail(`the transfer broke off after ${formatBytes(received)}${total ? ` of ${formatBytes(total)}` : ''} (${(e as Error).message})`, e);
    }
    if (total !== undefined && received !== total) {
      bar.finish('incomplete');
      return fail(`received ${received} of ${total} bytes`);
    }
    bar.finish();
    const digest = hash.digest('hex');
    if (options.sha256 && digest !== options.sha256.toLowerCase()) {
      return fail(`checksum mismatch: expected sha256 ${options.sha256}, got ${digest}`);
    }
    renameSync(tmp, dest);
    return dest;
  } finally {
    clearTimeout(timer);
    if (existsSync(tmp)) rmSync(tmp, { force: true });
  }
}
