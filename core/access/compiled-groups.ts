/**
 * The compiled parts of access: resource indexes (live apps and data sources numbered 0..N-1), each group
 * compiled once to its contribution (flags as bits, the code of its "all" grants, the codes its custom
 * grants give listed resources), and the vectors of a set of groups — one `AccessCode` per resource
 * (rules/levels.ts: the same codes and `combineCodes` UserAccess uses), shared by every user with that set.
 */
import {
  type App,
  type DataSource,
  FLAGS,
  type Grant,
  type Group,
  type Role,
  type WorkspaceState,
} from '../model.ts';
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
  /** The group's code on every resource (dense): a user's decision combines their groups' codes. */
  readonly appVector: Uint8Array;
  readonly dataSourceVector: Uint8Array;
}

let serials = 0;

/** Marks of the resources a group's custom grants name, stamped per compilation (no Map per group). */
let stamps = new Uint32Array(0);
let stamp = 0;

/** One type of a group: the dense vector ("all" code, then listed codes) and the listed indexes. */
function compileType(
  size: number,
  all: AccessCode,
  grants: readonly Grant[],
  index: ReadonlyMap<string, number>,
): { grants: CompiledGrants; vector: Uint8Array } {
  const vector = new Uint8Array(size);
  if (all !== NO_ACCESS_CODE) vector.fill(all);
  if (grants.length === 0) return { grants: { all, listed: NO_INDEXES, codes: NO_CODES }, vector };
  if (stamps.length < size) stamps = new Uint32Array(Math.max(size, stamps.length * 2));
  const mark = ++stamp;
  const listed: number[] = [];
  for (const grant of grants) {
    const code = accessCode(grant.level, grant.hideFromDashboard);
    for (const id of grant.resourceIds) {
      const i = index.get(id);
      if (i === undefined) continue;
      if (stamps[i] !== mark) {
        stamps[i] = mark;
        listed.push(i);
      }
      vector[i] = COMBINE[(vector[i]! << 3) | code]!;
    }
  }
  const codes = new Uint8Array(listed.length);
  for (let k = 0; k < listed.length; k++) codes[k] = vector[listed[k]!]!;
  return { grants: { all, listed: Int32Array.from(listed), codes }, vector };
}

const NO_INDEXES = new Int32Array(0);
const NO_CODES = new Uint8Array(0);

export function flagBits(flags: Group['flags']): number {
  let bits = 0;
  for (let i = 0; i < FLAGS.length; i++) if (flags[FLAGS[i]!]) bits |= 1 << i;
  return bits;
}

/** A group's contribution over the resource index: its live grants, as UserAccess reads them. */
export function compileGroup(group: Group, res: ResourceIndex): CompiledGroup {
  let appAll = NO_ACCESS_CODE;
  let dsAll = NO_ACCESS_CODE;
  const appCustom: Grant[] = [];
  const dsCustom: Grant[] = [];
  for (const grant of group.grants.values()) {
    if (grant.deletedAt !== undefined) continue;
    const isApp = grant.resourceType === 'app';
    if (grant.scope === 'custom') (isApp ? appCustom : dsCustom).push(grant);
    else if (isApp) appAll = combineCodes(appAll, accessCode(grant.level, grant.hideFromDashboard));
    else dsAll = combineCodes(dsAll, accessCode(grant.level, grant.hideFromDashboard));
  }
  const apps = compileType(res.apps.length, appAll, appCustom, res.appIndex);
  const dataSources = compileType(res.dataSources.length, dsAll, dsCustom, res.dataSourceIndex);
  return {
    group,
    serial: ++serials,
    need: requiredRole(group),
    flags: flagBits(group.flags),
    apps: apps.grants,
    dataSources: dataSources.grants,
    appVector: apps.vector,
    dataSourceVector: dataSources.vector,
  };
}

/** The access of a set of groups: flags and one code per resource. Shared, never written after building. */
export interface CompiledSet {
  readonly flags: number;
  readonly apps: Uint8Array;
  readonly dataSources: Uint8Array;
}

/** `combineCodes` of every pair of codes (3 bits each), as a table: `COMBINE[(a << 3) | b]`. */
export const COMBINE = Uint8Array.from({ length: 64 }, (_, k) => combineCodes(k >> 3, k & 7));

/**
 * Vectors are cut from shared 64 KiB chunks: one allocation per ~30 sets instead of two per set, and a
 * vector that outlives its set keeps at most one chunk alive. Larger vectors get their own buffer.
 */
const CHUNK_BYTES = 1 << 16;
let chunk = new ArrayBuffer(CHUNK_BYTES);
let chunkUsed = 0;

function zeroed(size: number): Uint8Array {
  if (size > CHUNK_BYTES >> 3) return new Uint8Array(size);
  if (chunkUsed + size > CHUNK_BYTES) {
    chunk = new ArrayBuffer(CHUNK_BYTES);
    chunkUsed = 0;
  }
  const v = new Uint8Array(chunk, chunkUsed, size);
  chunkUsed += size;
  return v;
}

function addListed(v: Uint8Array, { listed, codes }: CompiledGrants): void {
  for (let k = 0; k < listed.length; k++) {
    const i = listed[k]!;
    v[i] = COMBINE[(v[i]! << 3) | codes[k]!]!;
  }
}

/** The default group's vector combined with one "all" code, for each of the 8 codes (made on first use). */
class BaseVectors {
  private readonly withAll: (Uint8Array | undefined)[] = [];
  constructor(readonly base: Uint8Array) {}
  get(all: AccessCode): Uint8Array {
    if (all === NO_ACCESS_CODE) return this.base;
    let v = this.withAll[all];
    if (!v) {
      v = new Uint8Array(this.base.length);
      for (let i = 0; i < v.length; i++) v[i] = COMBINE[(this.base[i]! << 3) | all]!;
      this.withAll[all] = v;
    }
    return v;
  }
}

/** The default group's vector, custom groups' "all" grants, then their listed resources. */
function vector(base: BaseVectors, g0: CompiledGrants, more: readonly CompiledGroup[], apps: boolean) {
  let all = g0.all;
  for (const g of more) all = combineCodes(all, (apps ? g.apps : g.dataSources).all);
  const start = base.get(all);
  const v = zeroed(start.length);
  v.set(start);
  addListed(v, g0);
  for (const g of more) addListed(v, apps ? g.apps : g.dataSources);
  return v;
}

/** A role's start: its default group's flags and vectors. */
export interface RoleBase {
  readonly group: CompiledGroup;
  readonly apps: Uint8Array;
  readonly dataSources: Uint8Array;
  readonly appBases: BaseVectors;
  readonly dataSourceBases: BaseVectors;
}

export function roleBase(group: CompiledGroup): RoleBase {
  const apps = group.appVector;
  const dataSources = group.dataSourceVector;
  return {
    group,
    apps,
    dataSources,
    appBases: new BaseVectors(apps),
    dataSourceBases: new BaseVectors(dataSources),
  };
}

/** The set of a role's default group and custom groups (a user with no custom group gets the base's). */
export function compileSet(base: RoleBase, custom: readonly CompiledGroup[]): CompiledSet {
  let flags = base.group.flags;
  for (const g of custom) flags |= g.flags;
  if (custom.length === 0) return { flags, apps: base.apps, dataSources: base.dataSources };
  const [first, ...more] = custom;
  return {
    flags,
    apps: vector(base.appBases, first!.apps, more, true),
    dataSources: vector(base.dataSourceBases, first!.dataSources, more, false),
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
