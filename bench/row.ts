/** What every benchmark module returns, and what `npm run bench` writes to `bench/results/<name>.json`. */

export interface Row {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** The goal in words, e.g. "≤ 50 µs" or "≥ 10× faster than CASL". */
  readonly goal: string;
  readonly met: boolean;
  /** What the figure is compared with (library, version, its own figure). */
  readonly baseline?: string;
  /**
   * The physical floor of this figure measured in the same run (e.g. "Y.applyUpdate alone 151 ms"), when
   * not written as a "floor …" clause of `baseline` (the README script moves that clause to its column).
   */
  readonly floor?: string;
  /** How many times faster (or smaller) than the baseline. */
  readonly ratio?: number;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  /** 1, 5 and 15 minute load averages when the results were written (other work on the machine skews). */
  readonly loadAverage: readonly number[];
  readonly date: string;
}

export interface BenchResult {
  readonly machine: Machine;
  readonly rows: readonly Row[];
}

/** A benchmark module: `bench/<name>.ts` exporting `run`. */
export interface BenchModule {
  run(): Promise<Row[]>;
}
