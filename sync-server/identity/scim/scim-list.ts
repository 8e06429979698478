/** Paging (RFC 7644 §3.4.2.4): 1-based `startIndex`, `count` capped at MAX_PAGE, the ListResponse shape. */
import { LIST_SCHEMA, MAX_PAGE } from './scim-schemas.ts';

export interface Page {
  readonly startIndex: number;
  readonly count: number;
}

const DEFAULT_COUNT = 100;

/** Non-integers and values below the minimum read as the RFC says (1, and 0 for count). */
export function pageOf(query: URLSearchParams): Page {
  const int = (name: string) => {
    const v = query.get(name);
    if (v === null || !/^-?\d{1,9}$/.test(v.trim())) return null;
    return Number(v);
  };
  const startIndex = Math.max(1, int('startIndex') ?? 1);
  const count = Math.min(MAX_PAGE, Math.max(0, int('count') ?? DEFAULT_COUNT));
  return { startIndex, count };
}

export function listResponse(resources: readonly unknown[], total: number, page: Page) {
  return {
    schemas: [LIST_SCHEMA],
    totalResults: total,
    startIndex: page.startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

/** `excludedAttributes=members` (Entra's group reads) and the like: top-level names, lower-cased. */
export function excluded(query: URLSearchParams): Set<string> {
  const v = query.get('excludedAttributes');
  return new Set(
    (v ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
}
