// https://hl7.org/fhir/R4/resource-operation-meta-add.html, https://hl7.org/fhir/R4/resource-operation-meta-delete.html
import type { Coding, Meta } from '@medplum/fhirtypes';
import { badRequest } from '../outcome';

/** The part of Meta that $meta-add / $meta-delete change: profiles, tags and security labels. */
export type MetaSets = Pick<Meta, 'profile' | 'tag' | 'security'>;

/** A change of a resource's meta sets: add the named entries (kept once each) or delete them. */
export interface MetaChange {
  change: 'add' | 'delete';
  meta: MetaSets;
}

const KINDS = ['tag', 'security'] as const;

/**
 * The `meta` input as the sets it names. Profiles are canonical URL strings, tags and security
 * labels Codings with a code (identity is system + code, so a Coding without one names nothing).
 */
export function parseMetaSets(value: unknown, expression: string): MetaSets {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`${expression} must be a Meta`, [expression]);
  const meta = value as Record<string, unknown>;
  const sets: MetaSets = {};
  if (meta.profile !== undefined) {
    if (!Array.isArray(meta.profile) || meta.profile.some((p) => typeof p !== 'string' || p === '')) {
      throw badRequest(`${expression}.profile must be an array of canonical URLs`, [`${expression}.profile`]);
    }
    sets.profile = meta.profile as string[];
  }
  for (const kind of KINDS) {
    const list = meta[kind];
    if (list === undefined) continue;
    const valid = Array.isArray(list) && list.every((c) => isCoding(c as Record<string, unknown>));
    if (!valid) throw badRequest(`${expression}.${kind} must be an array of Codings, each with a code (and optionally system, version, display)`, [`${expression}.${kind}`]);
    sets[kind] = list as Coding[];
  }
  return sets;
}

function isCoding(c: Record<string, unknown>): boolean {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) return false;
  if (typeof c.code !== 'string' || c.code === '') return false;
  return ['system', 'version', 'display'].every((k) => c[k] === undefined || (typeof c[k] === 'string' && c[k] !== '')) && (c.userSelected === undefined || typeof c.userSelected === 'boolean');
}

const codingKey = (c: Coding) => `${c.system ?? ''}|${c.code ?? ''}`;

/** Add or delete the named profiles, tags and security labels on a copy of `resource`; empty sets are dropped. */
export function applyMetaChange(resource: Record<string, unknown>, { change, meta }: MetaChange): Record<string, unknown> {
  const current = { ...((resource.meta as Meta | undefined) ?? {}) };
  const next: Meta = { ...current };
  const profiles = current.profile ?? [];
  next.profile = change === 'add' ? [...profiles, ...(meta.profile ?? []).filter((p, i, all) => !profiles.includes(p) && all.indexOf(p) === i)] : profiles.filter((p) => !(meta.profile ?? []).includes(p));
  for (const kind of KINDS) {
    const have = current[kind] ?? [];
    const named = meta[kind] ?? [];
    if (change === 'add') {
      const keys = new Set(have.map(codingKey));
      next[kind] = [...have, ...named.filter((c) => !keys.has(codingKey(c)) && (keys.add(codingKey(c)), true))];
    } else {
      const gone = new Set(named.map(codingKey));
      next[kind] = have.filter((c) => !gone.has(codingKey(c)));
    }
  }
  for (const key of ['profile', ...KINDS] as const) if (!next[key]?.length) delete next[key];
  if (Object.keys(next).length) return { ...resource, meta: next };
  const { meta: _meta, ...rest } = resource;
  return rest;
}
