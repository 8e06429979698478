/** Timing helpers: performance.now(), warm-up runs, medians. No --expose-gc needed. */
import { cpus, loadavg, totalmem } from 'node:os';
import type { Machine } from './row.ts';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Milliseconds one call of `fn` takes. */
export function timeOnce(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/**
 * Runs `setup` (untimed) then `fn` (timed) `warmup + runs` times; returns the timed milliseconds of the
 * measured runs. `setup`'s result is handed to `fn`, so each run can start from fresh, cold inputs.
 */
export function timeRuns<T>(runs: number, warmup: number, setup: () => T, fn: (input: T) => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const input = setup();
    const ms = timeOnce(() => fn(input));
    if (i >= warmup) out.push(ms);
  }
  return out;
}

/** Rounds to `digits` significant digits (keeps JSON and tables readable). */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  return Number(value.toPrecision(digits));
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: round(totalmem() / 2 ** 30, 3),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: loadavg().map((l) => round(l, 2)),
    date: new Date().toISOString(),
  };
}
