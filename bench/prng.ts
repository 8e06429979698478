/** A small seeded PRNG (mulberry32) and the deterministic picks the workspace generator needs. */

export type Rng = () => number;

/** mulberry32: 32-bit state, uniform floats in [0, 1). */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** An integer in [min, max]. */
export function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, list: readonly T[]): T {
  return list[Math.floor(rng() * list.length)]!;
}

/** `count` distinct items of `list` (all of them when the list is shorter), in pick order. */
export function sample<T>(rng: Rng, list: readonly T[], count: number): T[] {
  if (count >= list.length) return [...list];
  const seen = new Set<number>();
  const out: T[] = [];
  while (out.length < count) {
    const i = Math.floor(rng() * list.length);
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(list[i]!);
  }
  return out;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A random base64url id of `length` characters (6 random bits each), like core's `newId()`. */
export function randomId(rng: Rng, length: number): string {
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[Math.floor(rng() * 64)];
  return id;
}
