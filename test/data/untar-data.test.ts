import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar';
import { untarData, URLs } from '../../src/data/index.js';
import { tempDir } from './fixtures.js';
import { zip } from './zip-writer.js';

const work = tempDir({ after });
const html = Buffer.from('<!DOCTYPE html>\n<html><body>Please sign in</body></html>\n');
const routes = new Map<string, Buffer | 'broken' | { type: string; body: Buffer }>();
const hits = new Map<string, number>();
let server: Server;
let base = '';

before(async () => {
  // a small dataset: minipets/{cat,dog}/*.jpg and a labels file
  const src = join(work, 'src');
  mkdirSync(join(src, 'minipets', 'cat'), { recursive: true });
  mkdirSync(join(src, 'minipets', 'dog'), { recursive: true });
  writeFileSync(join(src, 'minipets', 'cat', 'c1.jpg'), 'cat-bytes');
  writeFileSync(join(src, 'minipets', 'dog', 'd1.jpg'), 'dog-bytes');
  writeFileSync(join(src, 'minipets', 'labels.csv'), 'f,l\n');
  await tar.c({ gzip: true, file: join(work, 'minipets.tgz'), cwd: src }, ['minipets']);
  routes.set('/minipets.tgz', readFileSync(join(work, 'minipets.tgz')));
  routes.set('/flat.zip', zip({ 'a.txt': 'alpha', 'sub/': '', 'sub/b.txt': 'beta' }));
  routes.set('/broken.tgz', 'broken');
  routes.set('/corrupt.tgz', Buffer.from('this is not gzip data at all'));
  routes.set('/login.tgz', { type: 'text/html; charset=utf-8', body: html });
  routes.set('/page.tgz', { type: 'application/octet-stream', body: html });
  routes.set('/twice.tgz', readFileSync(join(work, 'minipets.tgz')));
  server = createServer((req, res) => {
    hits.set(req.url!, (hits.get(req.url!) ?? 0) + 1);
    const body = routes.get(req.url!);
    if (body === undefined) {
      res.writeHead(404).end();
    } else if (body === 'broken') {
      // announce 100 kB, send 1 kB, then cut the connection: an interrupted download
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(1000));
      setTimeout(() => res.destroy(), 20);
    } else if (Buffer.isBuffer(body)) {
      res.writeHead(200, { 'content-length': String(body.length) }).end(body);
    } else {
      res.writeHead(200, { 'content-type': body.type, 'content-length': String(body.body.length) }).end(body.body);
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => server.close());

const opts = (name: string) => ({ dest: join(work, name, 'data'), archive: join(work, name, 'archive'), quiet: true });

describe('untarData', () => {
  it('downloads a .tgz once, extracts it and returns the dataset folder', async () => {
    const o = opts('tgz');
    const path = await untarData(`${base}/minipets.tgz`, o);
    assert.equal(path, join(o.dest, 'minipets'));
    assert.deepEqual(readdirSync(path).sort(), ['cat', 'dog', 'labels.csv']);
    assert.equal(readFileSync(join(path, 'cat', 'c1.jpg'), 'utf8'), 'cat-bytes');
    assert.ok(existsSync(join(o.archive, 'minipets.tgz')), 'the archive is kept');
    assert.equal(await untarData(`${base}/minipets.tgz`, o), path);
    assert.equal(hits.get('/minipets.tgz'), 1, 'the second call uses the cache');
    await untarData(`${base}/minipets.tgz`, { ...o, force: true });
    assert.equal(hits.get('/minipets.tgz'), 2, 'force downloads again');
    assert.deepEqual(readdirSync(o.dest), ['minipets'], 'no temporary folders left');
  });

  it('extracts a .zip whose entries are not under one folder into <dest>/<name>', async () => {
    const o = opts('zip');
    const path = await untarData(`${base}/flat.zip`, { ...o, keepArchive: false });
    assert.equal(path, join(o.dest, 'flat'));
    assert.equal(readFileSync(join(path, 'a.txt'), 'utf8'), 'alpha');
    assert.equal(readFileSync(join(path, 'sub', 'b.txt'), 'utf8'), 'beta');
    assert.ok(!existsSync(join(o.archive, 'flat.zip')), 'keepArchive: false removes it');
  });

  it('an interrupted download fails with a clear message and leaves nothing behind', async () => {
    const o = opts('broken');
    await assert.rejects(untarData(`${base}/broken.tgz`, o), (e: Error) => e.message.includes(`${base}/broken.tgz`) && /broke off|received/.test(e.message));
    assert.ok(!existsSync(join(o.dest, 'broken')));
    assert.deepEqual(existsSync(o.archive) ? readdirSync(o.archive) : [], [], 'no partial archive');
  });

  it('a corrupt archive is removed so the next call downloads it again', async () => {
    const o = opts('corrupt');
    await assert.rejects(untarData(`${base}/corrupt.tgz`, o), (e: Error) =>
      /could not extract .*corrupt\.tgz.*it holds 28 B of text starting 'this is not gzip data at all'.*The archive was removed; run again/.test(e.message) &&
      !e.message.includes('..'));
    assert.ok(!existsSync(join(o.dest, 'corrupt')));
    assert.ok(!existsSync(join(o.archive, 'corrupt.tgz')));
    assert.deepEqual(readdirSync(o.dest), [], 'no temporary folders left');
  });

  it('two calls at once share one download and one extraction', async () => {
    const o = opts('twice');
    const [a, b] = await Promise.all([untarData(`${base}/twice.tgz`, o), untarData(`${base}/twice.tgz`, o)]);
    assert.equal(a, join(o.dest, 'twice'));
    assert.equal(b, a);
    assert.equal(hits.get('/twice.tgz'), 1, 'one download');
    assert.deepEqual(readdirSync(a).sort(), ['cat', 'dog', 'labels.csv']);
    assert.deepEqual(readdirSync(o.dest), ['twice'], 'no temporary folders left');
    assert.deepEqual(readdirSync(o.archive), ['twice.tgz'], 'no partial downloads left');
  });

  it('a web page where the archive should be says what arrived, and that running again fetches the same', async () => {
    const o = opts('html');
    // served as text/html: refused before anything is saved
    await assert.rejects(untarData(`${base}/login.tgz`, o), (e: Error) =>
      e.message.includes(`${base}/login.tgz`) && /sent a web page \(content type text\/html; charset=utf-8\)/.test(e.message) &&
      /running again will fetch the same page/.test(e.message) && !/run again to/.test(e.message) && !e.message.includes('..'));
    assert.deepEqual(existsSync(o.archive) ? readdirSync(o.archive) : [], [], 'nothing saved');
    // served as a binary type: found out by its content when it does not extract
    await assert.rejects(untarData(`${base}/page.tgz`, o), (e: Error) =>
      /it holds an HTML page \(\d+ B\)/.test(e.message) && /running again will fetch the same page/.test(e.message) &&
      e.message.includes(join(o.archive, 'page.tgz')) && !e.message.includes('..'));
    assert.ok(!existsSync(join(o.archive, 'page.tgz')), 'the page is not kept as the archive');
  });

  it('refuses what is not an archive URL, and HTTP errors name the URL', async () => {
    await assert.rejects(untarData(`${base}/file.txt`, opts('bad')), /does not name an archive/);
    await assert.rejects(untarData('not a url', opts('bad')), /is not a URL/);
    await assert.rejects(untarData(`${base}/missing.tgz`, opts('bad')), /missing\.tgz: HTTP 404/);
    assert.equal(URLs.PETS, 'https://s3.amazonaws.com/fast-ai-imageclas/oxford-iiit-pet.tgz');
  });
});
