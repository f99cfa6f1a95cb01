/**
 * SMART on FHIR clinical scopes, v1 and v2.
 * https://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 *
 * v1: `patient/Observation.read`, `user/*.write`, `system/*.*` (read = r+s, write = c+u+d).
 * v2: `system/Observation.rs`, `patient/*.cruds`, with an optional query restriction
 *     `system/Observation.rs?category=vital-signs` (only resources matching the query).
 */

export type ScopeContext = 'patient' | 'user' | 'system';

/** One permission letter: create, read, update, delete, search. */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

const ORDER = 'cruds';
const V1_PERMISSIONS: Record<string, string> = { read: 'rs', write: 'cud', '*': 'cruds' };

export interface Scope {
  context: ScopeContext;
  /** A resource type, or '*' for every type. */
  resourceType: string;
  /** Granted letters in canonical order, a non-empty subset of 'cruds'. */
  permissions: string;
  /** v2 query restriction as (name, value) pairs, all of which must match; absent = none. */
  restriction?: ReadonlyArray<readonly [string, string]>;
  /** The syntax the scope was written in (kept when formatting it back). */
  version: 1 | 2;
}

export interface ParsedScopes {
  /** Clinical (resource) scopes. */
  scopes: Scope[];
  /** Well-formed scopes that are not clinical scopes (e.g. `openid`, `launch/patient`). */
  other: string[];
  /** Strings that look like clinical scopes but are malformed. */
  invalid: string[];
}

const CLINICAL = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{1,63})\.([^?]+)(?:\?(.*))?$/;
const OTHER = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3 scope-token

/** Parse a space-separated scope string. */
export function parseScopes(text: string | undefined): ParsedScopes {
  const result: ParsedScopes = { scopes: [], other: [], invalid: [] };
  for (const token of (text ?? '').split(' ').filter(Boolean)) {
    const scope = parseScope(token);
    if (scope) result.scopes.push(scope);
    else if (/^(patient|user|system)\//.test(token) || !OTHER.test(token)) result.invalid.push(token);
    else result.other.push(token);
  }
  return result;
}

/** Parse one clinical scope; undefined when it is not a well-formed v1 or v2 clinical scope. */
export function parseScope(token: string): Scope | undefined {
  const m = CLINICAL.exec(token);
  if (!m) return undefined;
  const [, context, resourceType, perms, query] = m;
  const base = { context: context as ScopeContext, resourceType };
  if (perms in V1_PERMISSIONS) {
    // `.*` and `.read`/`.write` are v1; a query restriction needs v2 syntax
    if (query !== undefined) return undefined;
    return { ...base, permissions: V1_PERMISSIONS[perms], version: 1 };
  }
  if (!isCanonicalPermissions(perms)) return undefined;
  if (query === undefined) return { ...base, permissions: perms, version: 2 };
  const restriction = parseRestriction(query);
  return restriction ? { ...base, permissions: perms, restriction, version: 2 } : undefined;
}

/** Letters from 'cruds', each at most once, in that order (SMART v2 requires the order). */
function isCanonicalPermissions(perms: string): boolean {
  let at = -1;
  for (const ch of perms) {
    const i = ORDER.indexOf(ch);
    if (i <= at) return false;
    at = i;
  }
  return perms.length > 0;
}

function parseRestriction(query: string): Array<[string, string]> | undefined {
  if (query === '') return undefined;
  const pairs: Array<[string, string]> = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || eq === part.length - 1) return undefined;
    try {
      pairs.push([decodeURIComponent(part.slice(0, eq)), decodeURIComponent(part.slice(eq + 1))]);
    } catch {
      return undefined;
    }
  }
  return pairs.sort((a, b) => (a[0] + '=' + a[1] < b[0] + '=' + b[1] ? -1 : 1));
}

/** Write a scope back in its own syntax (v1 when it was v1 and still expressible in v1). */
export function formatScope(scope: Scope): string {
  const head = `${scope.context}/${scope.resourceType}.`;
  if (scope.version === 1 && !scope.restriction) {
    const v1 = Object.entries(V1_PERMISSIONS).find(([, letters]) => letters === scope.permissions);
    if (v1) return head + v1[0];
  }
  const query = scope.restriction?.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return head + scope.permissions + (query ? `?${query}` : '');
}

/** Space-separated scope string of parsed scopes. */
export function formatScopes(scopes: readonly Scope[]): string {
  return scopes.map(formatScope).join(' ');
}

/**
 * What both scopes allow, or undefined when nothing: same context, the narrower resource type,
 * the common letters, and both restrictions (a restriction narrows, so they add up). `a` is the
 * requested scope, whose syntax (v1/v2) the result keeps.
 */
export function intersectScope(a: Scope, b: Scope): Scope | undefined {
  if (a.context !== b.context) return undefined;
  const resourceType = a.resourceType === '*' ? b.resourceType : b.resourceType === '*' || a.resourceType === b.resourceType ? a.resourceType : undefined;
  if (!resourceType) return undefined;
  const permissions = [...ORDER].filter((p) => a.permissions.includes(p) && b.permissions.includes(p)).join('');
  if (!permissions) return undefined;
  const pairs = new Map<string, [string, string]>();
  for (const pair of [...(a.restriction ?? []), ...(b.restriction ?? [])]) pairs.set(pair.join('='), [pair[0], pair[1]]);
  const restriction = [...pairs.values()].sort((x, y) => (x.join('=') < y.join('=') ? -1 : 1));
  return {
    context: a.context,
    resourceType,
    permissions,
    ...(restriction.length ? { restriction } : {}),
    // keep the caller's syntax where it can express the result (formatScope falls back to v2)
    version: a.version,
  };
}

/** True when `a` allows everything `b` allows. */
export function subsumes(a: Scope, b: Scope): boolean {
  if (a.context !== b.context || (a.resourceType !== '*' && a.resourceType !== b.resourceType)) return false;
  if (![...b.permissions].every((p) => a.permissions.includes(p))) return false;
  const narrower = new Set((b.restriction ?? []).map((pair) => pair.join('=')));
  return (a.restriction ?? []).every((pair) => narrower.has(pair.join('=')));
}

/**
 * Granted scopes: every requested scope narrowed by every allowed one it overlaps, without
 * those another granted scope already covers.
 */
export function grantScopes(requested: readonly Scope[], allowed: readonly Scope[]): Scope[] {
  const granted: Scope[] = [];
  for (const r of requested) {
    for (const a of allowed) {
      const s = intersectScope(r, a);
      if (s && !granted.some((g) => subsumes(g, s))) {
        for (let i = granted.length - 1; i >= 0; i--) if (subsumes(s, granted[i])) granted.splice(i, 1);
        granted.push(s);
      }
    }
  }
  return granted;
}
