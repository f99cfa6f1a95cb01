import Ajv, { type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * The JSON Schema validator for the non-FHIR JSON the server takes (admin API bodies, OAuth
 * forms, client registrations from the CLI): one ajv with the standard formats (`uri`, …),
 * every error reported, and the input never changed (no coercion, no defaults, no removal).
 * Compile each schema once, at start-up.
 */
export function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv;
}

/** An object schema whose properties say, in `description`, what a valid value is. */
export interface DescribedSchema {
  properties: Record<string, { description?: string }>;
}

/**
 * ajv's errors as one problem per property, `name: what it must be` (the property's
 * description), the way an operator reads them; anything else as ajv says it.
 */
export function schemaProblems(schema: DescribedSchema, errors: readonly ErrorObject[] | null | undefined): string[] {
  const problems = (errors ?? []).map((e) => {
    const name = e.keyword === 'required' ? (e.params as { missingProperty: string }).missingProperty : e.instancePath.split('/')[1];
    if (name === undefined) return `the body ${e.message ?? 'is invalid'}`;
    const description = schema.properties[name]?.description;
    return `${name}: ${description ?? e.message ?? 'is invalid'}`;
  });
  return [...new Set(problems)];
}
