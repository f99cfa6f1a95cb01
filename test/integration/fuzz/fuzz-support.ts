import type { LightMyRequestResponse } from 'fastify';
import { random } from '../../../src/telemedicine/seed/geography';

/**
 * Shared pieces of the fuzz tests: seeded random strings (the cohort's seeded generator, so the
 * same cases every run and a failure reproduces), the verdict every answer must pass, and
 * batching.
 */

/** Characters that have a meaning somewhere in FHIR search or JSON, and some that should have none. */
const ALPHABET = [...'abcXYZ09', ',', '|', '$', '\\', ':', '.', '-', '_', '%', '*', '?', '&', '=', '/', '#', "'", '"', ' ', '\t', '\u0000', '\u0001', '\u001f', '\u007f', 'æ', 'ø', 'å', '\u00a0', '\u200b', '😀', '\ud800', '\udfff'];

/** `count` random strings of 1-`maxLength` characters from ALPHABET, the same for the same seed. */
export function randomValues(seed: string, count: number, maxLength = 24): string[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const length = 1 + Math.floor(next() * maxLength);
    return Array.from({ length }, () => ALPHABET[Math.floor(next() * ALPHABET.length)]).join('');
  });
}

/**
 * Percent-encode for a query value, keeping a lone surrogate (which encodeURIComponent refuses)
 * as the invalid UTF-8 a careless client would send.
 */
export function encodeValue(value: string): string {
  return [...value].map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
}

/** What every fuzzed answer must be: below 500, and an OperationOutcome unless it succeeded. */
export function verdict(res: LightMyRequestResponse): { status: number; body: string } {
  let body: { resourceType?: string; issue?: Array<{ code?: string }> } | undefined;
  try {
    body = res.json();
  } catch {
    body = undefined;
  }
  const ok = res.statusCode < 500 && (res.statusCode < 400 ? body !== undefined : body?.resourceType === 'OperationOutcome');
  return { status: res.statusCode, body: ok ? 'ok' : res.body.slice(0, 300) };
}

/** Whether a batch-response entry's response failed the way no entry may (any 5xx). */
export function entryFailed(response: { status?: string } | undefined): boolean {
  const status = Number.parseInt(response?.status ?? '', 10);
  return !(status < 500);
}

/** Run `fn` over `items`, `width` at a time (injects are cheap; the database is the bottleneck). */
export async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}
