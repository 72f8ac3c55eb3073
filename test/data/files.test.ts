import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, it, type TestContext } from 'node:test';
import { getFiles, getImageFiles, ls } from '../../src/data/index.js';
import { haveShared, sharedPath } from '../helpers.js';
import { tempDir } from './fixtures.js';

function touch(...paths: string[]): void {
  for (const p of paths) {
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, '');
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Collects the process warnings emitted during the test. */
function captureWarnings(t: TestContext): (Error & { code?: string })[] {
  const seen: (Error & { code?: string })[] = [];
  const onWarning = (w: Error & { code?: string }) => seen.push(w);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  return seen;
}

describe('ls and getImageFiles', () => {
  it('ls lists a folder sorted and prints its count like fastai', (t) => {
    const dir = tempDir(t);
    touch(join(dir, 'b.txt'), join(dir, 'a.jpg'), join(dir, 'sub', 'c.png'));
    const list = ls(dir);
    assert.deepEqual([...list], [join(dir, 'a.jpg'), join(dir, 'b.txt'), join(dir, 'sub')]);
    assert.equal(list.length, 3);
    assert.match(inspect(list), /^\(#3\) \['.*a\.jpg', /);
    assert.ok(!(list.map((p) => p) instanceof Object.getPrototypeOf(list).constructor), 'map returns a plain array');
  });

  it('finds images recursively by extension (any case), sorted, skipping hidden files and folders', (t) => {
    const dir = tempDir(t);
    touch(
      join(dir, 'z.JPG'), join(dir, 'a.png'), join(dir, 'notes.txt'), join(dir, '.hidden.jpg'),
      join(dir, 'cats', 'b.jpeg'), join(dir, 'cats', 'deep', 'c.gif'), join(dir, '.cache', 'x.jpg'), join(dir, 'dogs', 'd.webp'),
    );
    const rel = (ps: readonly string[]) => ps.map((p) => p.slice(dir.length + 1));
    assert.deepEqual(rel(getImageFiles(dir)), ['a.png', 'cats/b.jpeg', 'cats/deep/c.gif', 'dogs/d.webp', 'z.JPG']);
    assert.deepEqual(rel(getImageFiles(dir, { recurse: false })), ['a.png', 'z.JPG']);
    assert.deepEqual(rel(getImageFiles(dir, { folders: ['cats'] })), ['cats/b.jpeg', 'cats/deep/c.gif']);
    assert.deepEqual(rel(getFiles(dir, { extensions: ['txt'] })), ['notes.txt']);
    assert.equal(getFiles(dir).length, 6);
  });

  it('errors name the folder and the extensions searched', (t) => {
    const dir = tempDir(t);
    touch(join(dir, 'readme.md'));
    assert.throws(() => getImageFiles(dir), (e: Error) => e.message.includes(dir) && e.message.includes('.jpg, .jpeg') && /searched recursively/.test(e.message));
    assert.throws(() => getImageFiles(join(dir, 'nope')), /the folder '.*nope' does not exist/);
    assert.throws(() => getImageFiles(join(dir, 'readme.md')), /is a file, not a folder/);
    assert.throws(() => getImageFiles(dir, { folders: ['train'] }), /in its subfolders 'train'/);
  });

  it('lists the good files past dangling links and loops, naming each bad link once in a warning', async (t) => {
    const dir = tempDir(t);
    touch(join(dir, 'a.jpg'), join(dir, 'cats', 'b.jpg'), join(dir, 'real', 'c.jpg'));
    symlinkSync(join(dir, 'gone.jpg'), join(dir, 'dangling.jpg')); // target missing
    symlinkSync('self.jpg', join(dir, 'self.jpg')); // ELOOP
    symlinkSync('..', join(dir, 'cats', 'up')); // back to the top folder: a loop when followed
    symlinkSync(join(dir, 'real', 'c.jpg'), join(dir, 'cats', 'linked.jpg')); // a good link to a file
    symlinkSync(join(dir, 'real'), join(dir, 'alias')); // a good link to a folder
    const warnings = captureWarnings(t);
    const rel = (ps: readonly string[]) => ps.map((p) => p.slice(dir.length + 1));
    const expected = ['a.jpg', 'alias/c.jpg', 'cats/b.jpg', 'cats/linked.jpg', 'real/c.jpg'];
    assert.deepEqual(rel(getImageFiles(dir)), expected);
    assert.deepEqual(rel(getFiles(dir, { extensions: ['.jpg'] })), expected, 'getFiles skips the same links');
    await tick(); // warnings are delivered on the next tick
    assert.equal(warnings.length, 1, 'one warning, and not again for links already reported');
    const w = warnings[0]!;
    assert.equal(w.code, 'FASTAI_TS_SKIPPED_LINKS');
    assert.match(w.message, /left out 3 symbolic links/);
    assert.ok(w.message.includes(`${join(dir, 'dangling.jpg')}: its target is missing`), w.message);
    assert.ok(w.message.includes(`${join(dir, 'self.jpg')}: it points to itself`), w.message);
    assert.ok(w.message.includes(`${join(dir, 'cats', 'up')}: it links back to the folder`), w.message);
    symlinkSync(join(dir, 'nowhere'), join(dir, 'broken-dir'));
    getFiles(dir);
    await tick();
    assert.equal(warnings.length, 2, 'a new broken link is reported');
    assert.match(warnings[1]!.message, /left out 1 symbolic link \(/);
    assert.ok(warnings[1]!.message.includes('broken-dir'));
    assert.throws(() => getFiles(join(dir, 'broken-dir')), /'.*broken-dir' does not exist \(it is a symbolic link whose target is missing\)/);
  });

  it('finds the 370 pets photos', (t) => {
    if (!haveShared(t, ['data', 'pets'])) return;
    const files = getImageFiles(sharedPath('data', 'pets'));
    assert.equal(files.length, 370);
    assert.ok(files[0]!.endsWith('Abyssinian_101.jpg'));
    assert.deepEqual([...files], [...files].sort());
  });
});
