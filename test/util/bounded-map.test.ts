import { BoundedMap } from '../../src/util/bounded-map';

type Op = ['set', string, number] | ['delete', string] | ['clear'] | ['get', string] | ['has', string];

/** Applies `ops` to a fresh map of `maxSize` and returns it. */
function run(maxSize: number, ops: readonly Op[]): BoundedMap<string, number> {
  const map = new BoundedMap<string, number>(maxSize);
  for (const op of ops) {
    if (op[0] === 'set') map.set(op[1], op[2]);
    else if (op[0] === 'delete') map.delete(op[1]);
    else if (op[0] === 'clear') map.clear();
    else if (op[0] === 'get') map.get(op[1]);
    else map.has(op[1]);
  }
  return map;
}

/** Every key named in `ops`. */
const keysOf = (ops: readonly Op[]): string[] => [...new Set(ops.flatMap((op) => (op[0] === 'clear' ? [] : [op[1]])))];

const set = (key: string, value: number): Op => ['set', key, value];
/** `set` for each key of `keys`, with values 1, 2, 3, … */
const fill = (keys: string): Op[] => [...keys].map((key, i) => set(key, i + 1));

describe('BoundedMap', () => {
  it.each<[string, number, Op[], Array<[string, number]>]>([
    ['maxSize 0 keeps nothing', 0, fill('abc'), []],
    ['maxSize 1 keeps the last key set', 1, fill('abc'), [['c', 3]]],
    [
      'below the limit, nothing goes',
      3,
      fill('ab'),
      [
        ['a', 1],
        ['b', 2],
      ],
    ],
    [
      'at the limit, nothing goes',
      3,
      fill('abc'),
      [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ],
    ],
    [
      'one over the limit: the oldest goes',
      2,
      fill('abc'),
      [
        ['b', 2],
        ['c', 3],
      ],
    ],
    [
      'several over the limit: the oldest go first, in order',
      3,
      fill('abcdef'),
      [
        ['d', 4],
        ['e', 5],
        ['f', 6],
      ],
    ],
    [
      'replacing a value at the limit drops nothing',
      2,
      [...fill('ab'), set('a', 10)],
      [
        ['a', 10],
        ['b', 2],
      ],
    ],
    [
      'a replaced value becomes the newest: the next new key drops the other one',
      2,
      [...fill('ab'), set('a', 10), set('c', 3)],
      [
        ['a', 10],
        ['c', 3],
      ],
    ],
    ['setting the same key again and again keeps one entry', 2, [set('a', 1), set('a', 2), set('a', 3)], [['a', 3]]],
    [
      'reading (get) does not make an entry newer',
      2,
      [...fill('ab'), ['get', 'a'], set('c', 3)],
      [
        ['b', 2],
        ['c', 3],
      ],
    ],
    [
      'reading (has) does not make an entry newer',
      2,
      [...fill('ab'), ['has', 'a'], set('c', 3)],
      [
        ['b', 2],
        ['c', 3],
      ],
    ],
    [
      'a deleted entry frees its place',
      2,
      [...fill('ab'), ['delete', 'a'], set('c', 3)],
      [
        ['b', 2],
        ['c', 3],
      ],
    ],
    [
      'deleting the newest entry frees its place too',
      2,
      [...fill('ab'), ['delete', 'b'], set('c', 3)],
      [
        ['a', 1],
        ['c', 3],
      ],
    ],
    [
      'deleting a missing key changes nothing',
      2,
      [...fill('ab'), ['delete', 'z'], set('c', 3)],
      [
        ['b', 2],
        ['c', 3],
      ],
    ],
    ['clear empties the map, and it fills again', 2, [...fill('ab'), ['clear'], set('c', 3)], [['c', 3]]],
    [
      'a key deleted and set again counts as new',
      2,
      [...fill('ab'), ['delete', 'a'], set('a', 9), set('c', 3)],
      [
        ['a', 9],
        ['c', 3],
      ],
    ],
  ])('%s', (_label, maxSize, ops, expected) => {
    const map = run(maxSize, ops);
    expect(map.size).toBe(expected.length);
    expect(map.size).toBeLessThanOrEqual(maxSize);
    for (const [key, value] of expected) {
      expect(map.has(key)).toBe(true);
      expect(map.get(key)).toBe(value);
    }
    const kept = new Set(expected.map(([key]) => key));
    for (const key of keysOf(ops).filter((k) => !kept.has(k))) {
      expect({ key, has: map.has(key), value: map.get(key) }).toStrictEqual({ key, has: false, value: undefined });
    }
  });

  it.each<[string, number, number, number]>([
    ['a small map', 3, 1000, 3],
    ['a map as large as the default cache', 10_000, 25_000, 10_000],
  ])('never grows past maxSize (%s)', (_label, maxSize, keys, expectedSize) => {
    const map = new BoundedMap<number, number>(maxSize);
    let largest = 0;
    for (let i = 0; i < keys; i++) {
      map.set(i, i);
      largest = Math.max(largest, map.size);
    }
    expect(largest).toBe(expectedSize);
    expect(map.has(keys - expectedSize - 1)).toBe(false);
    expect(map.has(keys - expectedSize)).toBe(true);
    expect(map.get(keys - 1)).toBe(keys - 1);
  });

  it('keeps keys apart the way a Map does (0, "", NaN, objects by identity)', () => {
    const map = new BoundedMap<unknown, string>(10);
    const object = {};
    map.set(0, 'zero').set('', 'empty').set(Number.NaN, 'nan').set(object, 'object').set(undefined, 'undefined');
    expect([map.get(0), map.get(''), map.get(Number.NaN), map.get(object), map.get({}), map.get(undefined)]).toStrictEqual([
      'zero',
      'empty',
      'nan',
      'object',
      undefined,
      'undefined',
    ]);
    expect(map.size).toBe(5);
  });

  it('tells a stored undefined from a missing key with has()', () => {
    const map = new BoundedMap<string, number | undefined>(2);
    map.set('a', undefined);
    expect([map.has('a'), map.get('a'), map.has('b')]).toStrictEqual([true, undefined, false]);
  });

  it('set returns the map; delete says whether the key was there', () => {
    const map = new BoundedMap<string, number>(2);
    expect(map.set('a', 1)).toBe(map);
    expect(map.delete('a')).toBe(true);
    expect(map.has('a')).toBe(false);
    expect(map.delete('a')).toBe(false);
  });

  it('maxSize 0 stores nothing, also after set returned', () => {
    const map = new BoundedMap<string, number>(0);
    expect(map.set('a', 1)).toBe(map);
    expect([map.size, map.has('a'), map.get('a')]).toStrictEqual([0, false, undefined]);
  });

  it.each<[string, unknown]>([
    ['a negative size', -1],
    ['a fraction', 1.5],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a numeric string', '3'],
    ['undefined', undefined],
  ])('refuses %s as maxSize with a RangeError', (_label, maxSize) => {
    expect(() => new BoundedMap(maxSize as number)).toThrow(RangeError);
  });

  it.each([0, 1, 10_000])('accepts maxSize %p and reports it', (maxSize) => {
    expect(new BoundedMap(maxSize).maxSize).toBe(maxSize);
  });
});
