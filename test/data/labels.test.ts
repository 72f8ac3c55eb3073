import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Categorize, ColReader, FuncLabeller, parentLabel, readCsv, RegexLabeller, usingAttr } from '../../src/data/index.js';
import { tempDir } from './fixtures.js';

describe('labellers', () => {
  it('RegexLabeller searches the path (fastai) or the file name, and returns group 1', () => {
    assert.equal(RegexLabeller(/(.+)_\d+.jpg$/, { matchOn: 'name' })('pets/great_pyrenees_173.jpg'), 'great_pyrenees');
    assert.equal(RegexLabeller(/\/([^/]+)_\d+\.jpg$/)('data\\pets\\Abyssinian_12.jpg'), 'Abyssinian');
    assert.equal(RegexLabeller('^(.+)_\\d+\\.jpg$', { matchOn: 'name' })('/a/b/pug_1.jpg'), 'pug');
    assert.equal(usingAttr(RegexLabeller(/(.+)_\d+.jpg$/), 'name')('/x/y/boxer_3.jpg'), 'boxer');
  });

  it('RegexLabeller errors name the file and the pattern', () => {
    assert.throws(() => RegexLabeller(/^(.+)_\d+\.jpg$/, { matchOn: 'name' })('pets/readme.txt'), (e: Error) =>
      e.message.includes("'readme.txt'") && e.message.includes('/^(.+)_\\d+\\.jpg$/'));
    assert.throws(() => RegexLabeller(/^([a-z]+)_\d+\.jpg$/)('pets/pug_1.jpg'), /does not match 'pets\/pug_1.jpg'.*matchOn: 'name'/);
    assert.throws(() => RegexLabeller(/_\d+/)('pug_1.jpg'), /no capture group/);
    // Given only a file name, there are no folders to strip: no matchOn hint.
    assert.throws(() => RegexLabeller(/^([a-z]+)_\d+\.png$/)('pug_1.jpg'), (e: Error) =>
      e.message.includes("does not match 'pug_1.jpg'") && !e.message.includes('matchOn'));
  });

  it('parentLabel, usingAttr and FuncLabeller', () => {
    assert.equal(parentLabel('/data/train/cat/1.jpg'), 'cat');
    assert.equal(usingAttr((s) => String(s).toUpperCase(), 'stem')('/a/pug_1.jpg'), 'PUG_1');
    assert.equal(usingAttr((v) => v, 'label')({ label: 'x' }), 'x');
    assert.throws(() => usingAttr((v) => v, 'colour')('/a.jpg'), /a path has no attribute 'colour'/);
    const isCat = FuncLabeller((f: string) => (/^[A-Z]/.test(f) ? 'cat' : 'dog'), 'isCat');
    assert.equal(isCat('Bengal_1.jpg'), 'cat');
    assert.equal(isCat.name, 'isCat');
  });
});

describe('CSV and ColReader', () => {
  it('reads rows by column name or index, with prefix, suffix and label delimiter', (t) => {
    const dir = tempDir(t);
    const csv = join(dir, 'labels.csv');
    writeFileSync(csv, 'fname,labels,is_valid\nimg1,cat dog,False\n"img,2",dog,True\n');
    const rows = readCsv(csv);
    assert.deepEqual(rows[1], { fname: 'img,2', labels: 'dog', is_valid: 'True' });
    assert.equal(ColReader('fname', { pref: 'train/', suff: '.jpg' })(rows[0]), 'train/img1.jpg');
    assert.equal(ColReader(1)(rows[0]), 'cat dog');
    assert.deepEqual(ColReader('labels', { labelDelim: ' ' })(rows[0]), ['cat', 'dog']);
    assert.deepEqual(ColReader(['fname', 'labels'])(rows[1]), ['img,2', 'dog']);
    writeFileSync(join(dir, 'semi.csv'), 'a;b\n1;2\n');
    assert.deepEqual(readCsv(join(dir, 'semi.csv')), [{ a: '1', b: '2' }]);
    assert.deepEqual(readCsv(join(dir, 'semi.csv'), { header: false })[1], { 0: '1', 1: '2' });
  });

  it('a missing column is an error listing the available columns', () => {
    assert.throws(() => ColReader('label')({ fname: 'a', labels: 'b' }), /no column 'label'; its columns are 'fname', 'labels'/);
    assert.throws(() => ColReader(5)({ fname: 'a' }), /no column at index 5; its columns are 'fname'/);
    assert.throws(() => readCsv('/nonexistent/labels.csv'), /cannot read '\/nonexistent\/labels.csv'/);
  });
});

describe('Categorize', () => {
  it('builds a sorted vocab (code-point order, as Python) and encodes/decodes', () => {
    const c = new Categorize();
    c.setup(['pug', 'Bengal', 'american_bulldog', 'pug', 'Abyssinian']);
    assert.deepEqual(c.vocab, ['Abyssinian', 'Bengal', 'american_bulldog', 'pug']);
    assert.equal(c.apply('american_bulldog'), 2);
    assert.equal(c.decode(3), 'pug');
    assert.throws(() => c.decode(9), /outside the vocab of 4/);
  });

  it('a label missing from the training labels is an error naming it', () => {
    const c = new Categorize();
    c.setup(['a', 'b']);
    assert.throws(() => c.apply('zebra'), /Label 'zebra' was not included in the training dataset/);
  });

  it('sorts numeric labels numerically, keeps a given vocab, refuses multi-labels', () => {
    const c = new Categorize();
    c.setup([10, 2, 1]);
    assert.deepEqual(c.vocab, [1, 2, 10]);
    const fixed = new Categorize({ vocab: ['z', 'a'] });
    fixed.setup(['a']);
    assert.deepEqual(fixed.vocab, ['z', 'a']);
    assert.throws(() => new Categorize().setup([['a', 'b']]), /several labels for one item/);
  });
});
