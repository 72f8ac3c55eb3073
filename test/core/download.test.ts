import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { download, sha256FileSync } from '../../src/core/download.js';

const body = Buffer.alloc(300_000, 7);
const digest = createHash('sha256').update(body).digest('hex');
let server: Server;
let base = '';
const dir = mkdtempSync(join(tmpdir(), 'fastai-ts-dl-'));

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/file') {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    } else if (req.url === '/page') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>moved</html>');
    } else if (req.url === '/broken') {
      // Promise the whole body, send a third, then drop the connection.
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 100_000), () => res.destroy());
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

const leftovers = () => readdirSync(dir).filter((f) => f.includes('.partial'));

describe('download', () => {
  it('downloads, checks the sha256 and places the file', async () => {
    const dest = join(dir, 'sub', 'ok.bin');
    await download(`${base}/file`, dest, { sha256: digest, quiet: true });
    assert.deepEqual(readFileSync(dest), body);
    assert.equal(sha256FileSync(dest), digest);
  });

  it('two downloads of the same file at once both succeed, each through its own temporary file', async () => {
    const dest = join(dir, 'twice.bin');
    const got = await Promise.all([download(`${base}/file`, dest, { quiet: true }), download(`${base}/file`, dest, { quiet: true })]);
    assert.deepEqual(got, [dest, dest]);
    assert.deepEqual(readFileSync(dest), body);
    assert.deepEqual(leftovers(), []);
  });

  it('rejectHtml refuses a web page, saying what arrived and that running again fetches the same', async () => {
    const dest = join(dir, 'page.bin');
    await assert.rejects(download(`${base}/page`, dest, { quiet: true, rejectHtml: true }), (e: Error) =>
      /\/page: the server sent a web page \(content type text\/html\) instead of the file, and running again will fetch the same page\. Open the URL/.test(e.message));
    assert.equal(existsSync(dest), false);
    assert.deepEqual(leftovers(), []);
    await download(`${base}/page`, dest, { quiet: true });
    assert.match(readFileSync(dest, 'utf8'), /^<html>/, 'without rejectHtml the page is saved like any file');
  });

  it('never leaves a partial file when the connection drops', async () => {
    const dest = join(dir, 'broken.bin');
    await assert.rejects(download(`${base}/broken`, dest, { quiet: true }), /could not download .*\/broken: the transfer broke off|received 100000 of 300000 bytes/);
    assert.equal(existsSync(dest), false);
    assert.deepEqual(leftovers(), []);
  });

  it('rejects a wrong checksum, naming both digests', async () => {
    const dest = join(dir, 'bad.bin');
    await assert.rejects(download(`${base}/file`, dest, { sha256: '0'.repeat(64), quiet: true }), new RegExp(`checksum mismatch: expected sha256 0{64}, got ${digest}`));
    assert.equal(existsSync(dest), false);
    assert.deepEqual(leftovers(), []);
  });

  it('reports HTTP errors and unreachable hosts with the URL and what to do', async () => {
    await assert.rejects(download(`${base}/nope`, join(dir, 'x'), { quiet: true }), /could not download .*\/nope: HTTP 404.*download it yourself and place it at/);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await assert.rejects(download(`http://127.0.0.1:${port}/f`, join(dir, 'y'), { quiet: true }), /could not download http:\/\/127\.0\.0\.1:\d+\/f: .*ECONNREFUSED/);
  });
});
