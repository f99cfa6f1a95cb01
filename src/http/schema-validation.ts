import type { FastifyInstance } from 'fastify';
import { newAjv } from '../json-schema';

/**
 * Route schemas (the non-FHIR JSON: admin API bodies, OAuth forms) are compiled by the server's
 * own ajv (src/json-schema.ts: standard formats, every error, input never coerced or stripped),
 * once, when the route is registered. FHIR bodies are not: the FHIR validator checks those.
 */
export function registerSchemaValidation(app: FastifyInstance): void {
  const ajv = newAjv();
  app.setValidatorCompiler(({ schema }) => ajv.compile(schema));
}
