// https://hl7.org/fhir/uv/bulkdata/export.html#query-parameters (kick-off by POST)
import type { Parameters } from '@medplum/fhirtypes';
import { badRequest } from '../../fhir/outcome';

/** The value[x] types a kick-off parameter may carry as text (`patient` as valueReference is refused by name later). */
const TEXT_VALUES = ['valueString', 'valueInstant', 'valueDateTime', 'valueCode', 'valueUri', 'valueCanonical', 'valueUrl'] as const;

/**
 * The kick-off parameters of a POST: a `Parameters` resource, each `parameter` a name and one
 * text value, as the (name, value) pairs a GET's query gives, so both go through the same checks
 * (parseExportQuery). A parameter with another kind of value (`patient` as a reference, parts, a
 * resource) is a 400, and so is a query string beside the body: parameters come from one place.
 */
export function exportBodyParams(body: unknown, hasQuery: boolean): Array<[string, string]> {
  if (hasQuery) throw badRequest('A POST kick-off takes its parameters in the Parameters body, not in the query string');
  const parameters = body as Parameters | undefined;
  if (!parameters || typeof parameters !== 'object' || parameters.resourceType !== 'Parameters') {
    throw badRequest('A POST kick-off needs a Parameters resource as its body (application/fhir+json)');
  }
  const pairs: Array<[string, string]> = [];
  for (const [i, parameter] of (parameters.parameter ?? []).entries()) {
    const p = parameter as Record<string, unknown> & { name?: unknown };
    const at = `Parameters.parameter[${i}]`;
    if (typeof p?.name !== 'string' || !p.name) throw badRequest(`${at} has no name`, [at]);
    const values = TEXT_VALUES.filter((key) => typeof p[key] === 'string');
    const others = Object.keys(p).filter((key) => key !== 'name' && !(TEXT_VALUES as readonly string[]).includes(key) && key !== 'id' && key !== 'extension');
    if (values.length !== 1 || others.length) {
      throw badRequest(`The export parameter ${p.name} needs one text value (valueString, valueInstant, …); ${others.join(', ') || 'none'} is not supported here`, [at]);
    }
    pairs.push([p.name, p[values[0]] as string]);
  }
  return pairs;
}
