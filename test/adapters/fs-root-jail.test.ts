/**
 * RootJail.normalise: which relative paths name something in the served folder, and that the
 * answers it remembers (every request resolves the same few paths) are the answers it computes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FileNotFoundError } from '../../src/errors';
import { RootJail } from '../../src/adapters/fs/root-jail';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'wopi-jail-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const accepted: Array<[string, string]> = [
  ['a.docx', 'a.docx'],
  ['sub/a.docx', 'sub/a.docx'],
  ['sub//a.docx', 'sub/a.docx'],
  ['./sub/./a.docx', 'sub/a.docx'],
  ['sub/x/../a.docx', 'sub/a.docx'],
  ['sub\\a.docx', 'sub/a.docx'],
  ['..a.docx', '..a.docx'],
];
const refused = [
  '',
  '.',
  '..',
  '../a.docx',
  'sub/../../a.docx',
  '/etc/passwd',
  '\\etc\\passwd',
  'a\0.docx',
  '.express-wopi',
  '.express-wopi/ids/x',
];

describe.each([
  ['before the real root is known', false],
  ['once the real root is known (answers remembered)', true],
])('RootJail.normalise, %s', (_label, resolved) => {
  let jail: RootJail;
  beforeEach(async () => {
    jail = new RootJail(root, path.join(root, '.express-wopi'));
    if (resolved) await jail.realRoot();
  });

  test.each(accepted)('%j is %j, the same the second time', (given, expected) => {
    expect(jail.normalise(given)).toBe(expected);
    expect(jail.normalise(given)).toBe(expected);
  });

  test.each(refused)('%j is refused, the second time too', (given) => {
    expect(() => jail.normalise(given)).toThrow(FileNotFoundError);
    expect(() => jail.normalise(given)).toThrow(FileNotFoundError);
  });

  test('a path accepted many times over is still accepted after others fill the memory, and a refused one still refused', () => {
    for (let i = 0; i < 5000; i++) expect(jail.normalise(`f${i}.docx`)).toBe(`f${i}.docx`);
    expect(jail.normalise('f0.docx')).toBe('f0.docx');
    expect(() => jail.normalise('../f0.docx')).toThrow(FileNotFoundError);
  });
});
