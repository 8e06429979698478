/**
 * The compiled parts of access: resource indexes (live apps and data sources numbered 0..N-1), each group
 * compiled once to its contribution (flags as bits, the code of its "all" grants, the codes its custom
 * grants give listed resources), and the vectors of a set of groups — one `AccessCode` per resource
 * (rules/levels.ts: the same codes and `combineCodes` UserAccess uses), shared by every user with that set.
 */
import { type App, type DataSource, FLAGS, type Group, type Role, type WorkspaceState } from '../model.ts';
import { type AccessCode, accessCode, combineCodes, NO_ACCESS_CODE } from '../rules/levels.ts';
import { requiredRole } from '../rules/roles.ts';

/** Live apps and data sources, numbered; a decision reads `vector[index]`. */
export interface ResourceIndex {
  readonly apps: readonly App[];
  readonly appIndex: ReadonlyMap<string, number>;
  readonly dataSources: readonly DataSource[];
  readonly dataSourceIndex: ReadonlyMap<string, number>;
}

function numbered<T extends { id: string; deletedAt?: number | undefined }>(
  pool: ReadonlyMap<string, T>,
): { list: T[]; index: Map<string, number> } {
  const list: T[] = [];
  const index = new Map<string, number>();
  for (const r of pool.values())
    if (r.deletedAt === undefined) {
      index.set(r.id, list.length);
      list.push(r);
    }
  return { list, index };
}

export function resourceIndex(state: WorkspaceState): ResourceIndex {
  const apps = numbered(state.apps);
  const ds = numbered(state.dataSources);
  return { apps: apps.list, appIndex: apps.index, dataSources: ds.list, dataSourceIndex: ds.index };
}

/** One resource type of a compiled group: the code of its "all" grants, and codes of listed resources. */
export interface CompiledGrants {
  readonly all: AccessCode;
  /** Resource indexes named by custom grants (live resources only), with their combined code. */
  readonly listed: Int32Array;
  readonly codes: Uint8Array;
}

export interface CompiledGroup {
  readonly group: Group;
  /** rules/roles.ts `requiredRole`: the lowest role for whom a membership counts (rules 3–5). */
  readonly need: Role;
  /** Unique per compilation: a set of groups is keyed by its members' serials. */
  readonly serial: number;
  /** Bit i is FLAGS[i]. */
  readonly flags: number;
  readonly apps: CompiledGrants;
  readonly dataSources: CompiledGrants;
}

let serials = 0;

function compileType(all: AccessCode, listed: Map<number, AccessCode>): CompiledGrants {
  const ids = new Int32Array(listed.size);
  const codes = new Uint8Array(listed.size);
  let k = 0;
  for (const [i, c] of listed) {
    ids[k] = i;
    codes[k++] = c;
  }
  return { all, listed: ids, codes };
}

export function flagBits(flags: Group['flags']): number {
  let bits = 0;
  for (let i = 0; i < FLAGS.length; i++) if (flags[FLAGS[i]!]) bits |= 1 << i;
  return bits;
}

/** A group's contribution over the resource index: its live grants, as UserAccess reads them. */
export function compileGroup(group: Group, res: ResourceIndex): CompiledGroup {
  let appAll = NO_ACCESS_CODE;
  let dsAll = NO_ACCESS_CODE;
  const appListed = new Map<number, AccessCode>();
  const dsListed = new Map<number, AccessCode>();
  for (const grant of group.grants.values()) {
    if (grant.deletedAt !== undefined) continue;
    const code = accessCode(grant.level, grant.hideFromDashboard);
    const isApp = grant.resourceType === 'app';
    if (grant.scope === 'all') {
      if (isApp) appAll = combineCodes(appAll, code);
      else dsAll = combineCodes(dsAll, code);
      continue;
    }
    const index = isApp ? res.appIndex : res.dataSourceIndex;
    const listed = isApp ? appListed : dsListed;
    for (const id of grant.resourceIds) {
      const i = index.get(id);
      if (i !== undefined) listed.set(i, combineCodes(listed.get(i) ?? NO_ACCESS_CODE, code));
    }
  }
  return {
    group,
    serial: ++serials,
    need: requiredRole(group),
    flags: flagBits(group.flags),
    apps: compileType(appAll, appListed),
    dataSources: compileType(dsAll, dsListed),
  };
}

/** The access of a set of groups: flags and one code per resource. Shared, never written after building. */
export interface CompiledSet {
  readonly flags: number;
  readonly apps: Uint8Array;
  readonly dataSources: Uint8Array;
}

/** `combineCodes` of every pair of codes (3 bits each), as a table: the inner loop of a set's vectors. */
const COMBINE = Uint8Array.from({ length: 64 }, (_, k) => combineCodes(k >> 3, k & 7));

/** Vectors are cut from shared chunks: one allocation per ~thousand sets, not two per set. */
const CHUNK_BYTES = 1 << 20;
let chunk = new ArrayBuffer(CHUNK_BYTES);
let chunkUsed = 0;

function zeroed(size: number): Uint8Array {
  if (size > CHUNK_BYTES >> 4) return new Uint8Array(size);
  if (chunkUsed + size > CHUNK_BYTES) {
    chunk = new ArrayBuffer(CHUNK_BYTES);
    chunkUsed = 0;
  }
  const v = new Uint8Array(chunk, chunkUsed, size);
  chunkUsed += size;
  return v;
}

/** The vector of one group alone (a role's default group: the start of every set of that role). */
export function baseVector(size: number, grants: CompiledGrants): Uint8Array {
  const v = new Uint8Array(size);
  if (grants.all !== NO_ACCESS_CODE) v.fill(grants.all);
  addListed(v, grants);
  return v;
}

function addListed(v: Uint8Array, { listed, codes }: CompiledGrants): void {
  for (let k = 0; k < listed.length; k++) {
    const i = listed[k]!;
    v[i] = COMBINE[(v[i]! << 3) | codes[k]!]!;
  }
}

/** `base` (the default group's vector) combined with the custom groups' grants of one type. */
function vector(base: Uint8Array, custom: readonly CompiledGrants[]): Uint8Array {
  const v = zeroed(base.length);
  v.set(base);
  let all = NO_ACCESS_CODE;
  for (const g of custom) all = combineCodes(all, g.all);
  if (all !== NO_ACCESS_CODE) for (let i = 0; i < v.length; i++) v[i] = COMBINE[(v[i]! << 3) | all]!;
  for (const g of custom) addListed(v, g);
  return v;
}

/** A role's start: its default group's flags and vectors. */
export interface RoleBase {
  readonly group: CompiledGroup;
  readonly apps: Uint8Array;
  readonly dataSources: Uint8Array;
}

export function roleBase(group: CompiledGroup, res: ResourceIndex): RoleBase {
  return {
    group,
    apps: baseVector(res.apps.length, group.apps),
    dataSources: baseVector(res.dataSources.length, group.dataSources),
  };
}

/** The set of a role's default group and custom groups (a user with no custom group gets the base's). */
export function compileSet(base: RoleBase, custom: readonly CompiledGroup[]): CompiledSet {
  let flags = base.group.flags;
  for (const g of custom) flags |= g.flags;
  if (custom.length === 0) return { flags, apps: base.apps, dataSources: base.dataSources };
  return {
    flags,
    apps: vector(
      base.apps,
      custom.map((g) => g.apps),
    ),
    dataSources: vector(
      base.dataSources,
      custom.map((g) => g.dataSources),
    ),
  };
}

/** The key of a role's default group and custom groups (order-free): serials, ascending. */
export function setKey(base: CompiledGroup, custom: readonly CompiledGroup[]): string {
  const n = custom.length;
  if (n === 0) return String(base.serial);
  const serialsOf = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const s = custom[i]!.serial;
    let j = i;
    for (; j > 0 && serialsOf[j - 1]! > s; j--) serialsOf[j] = serialsOf[j - 1]!;
    serialsOf[j] = s;
  }
  let key = String(base.serial);
  for (let i = 0; i < n; i++) key += `,${serialsOf[i]}`;
  return key;
}
