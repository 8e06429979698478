/**
 * Typed, versioned storage items over `chrome.storage`. Each item is stored as `{ v, data }`; a value
 * with another version or a shape its decoder rejects reads as the fallback (no migrations yet: every
 * item holds a cache or a session that can be rebuilt by signing in again).
 */

/** The part of `chrome.storage.StorageArea` the items use (a fake in unit tests). */
export interface StorageAreaLike {
  get(keys: string | string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

export interface StorageItem<T> {
  readonly key: string;
  get(): Promise<T>;
  set(value: T): Promise<void>;
  remove(): Promise<void>;
}

interface Stored {
  readonly v: number;
  readonly data: unknown;
}

function isStored(raw: unknown): raw is Stored {
  return typeof raw === 'object' && raw !== null && 'v' in raw && 'data' in raw;
}

export function defineItem<T>(
  area: StorageAreaLike,
  key: string,
  version: number,
  decode: (data: unknown) => T | null,
  fallback: T,
): StorageItem<T> {
  return {
    key,
    async get() {
      const raw = (await area.get(key))[key];
      if (!isStored(raw) || raw.v !== version) return fallback;
      return decode(raw.data) ?? fallback;
    },
    async set(value) {
      await area.set({ [key]: { v: version, data: value } satisfies Stored });
    },
    async remove() {
      await area.remove(key);
    },
  };
}
