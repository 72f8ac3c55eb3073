import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { getFiles, getImageFiles, ls } from '../../src/data/index.js';
import { haveShared, sharedPath } from '../helpers.js';
import { tempDir } from './fixtures.js';

function touch(...paths: string[]): void {
  for (const p of paths) {
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, '');
  }
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

  it('finds the 370 pets photos', (t) => {
    if (!haveShared(t, ['data', 'pets'])) return;
    const files = getImageFiles(sharedPath('data', 'pets'));
    assert.equal(files.length, 370);
    assert.ok(files[0]!.endsWith('Abyssinian_101.jpg'));
    assert.deepEqual([...files], [...files].sort());
  });
});
