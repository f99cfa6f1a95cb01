import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** Response headers a browser app may read: versioning and where a created resource lives. */
const EXPOSED_HEADERS = ['ETag', 'Location', 'Content-Location', 'Last-Modified', 'X-Request-Id', 'WWW-Authenticate', 'Retry-After'];

/**
 * CORS for browser apps (SMART apps, clinicians' web apps): a preflight answer on every route and
 * `Access-Control-Allow-Origin` on every answer, errors included, for the configured origins
 * (https://hl7.org/fhir/R4/http.html#cors).
 * No credentials: tokens are bearer tokens in `Authorization`, never cookies.
 */
export function registerCors(app: FastifyInstance, origins: readonly string[]): void {
  void app.register(cors, {
    origin: origins.includes('*') ? '*' : [...origins],
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    // No allowedHeaders: the preflight allows the request headers it names (Authorization, Prefer,
    // If-Match, and client libraries' own such as X-Medplum). Without credentials nothing is
    // gained by refusing a header; the bearer token is what is checked.
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}

/** KOLIBRI_CORS_ORIGINS: `*` (the default), or origins as a browser sends them (`https://app.example.dk`, no path). */
export function parseCorsOrigins(raw: string | undefined, problems: string[]): readonly string[] {
  const origins = (raw || '*').split(',').map((s) => s.trim()).filter(Boolean);
  const bad = origins.filter((o) => o !== '*' && !/^https?:\/\/[^/\s]+$/.test(o));
  if (bad.length) problems.push(`KOLIBRI_CORS_ORIGINS must be * or origins such as https://app.example.dk (no path), got '${bad.join(', ')}'`);
  return Object.freeze(origins.includes('*') ? ['*'] : origins);
}
