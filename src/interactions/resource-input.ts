import type { Resource } from '@medplum/fhirtypes';
import { containsCprNumber } from '../audit/cpr';
import { hasErrors } from '../fhir/issue';
import { badRequest, notFound, unprocessable } from '../fhir/outcome';
import type { InteractionDeps } from './types';

// https://hl7.org/fhir/R4/datatypes.html#id
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The URL's type must be a resource type this server serves. */
export function checkType(deps: Pick<InteractionDeps, 'registry'>, type: string): void {
  if (!deps.registry.isResourceType(type)) throw notFound(`Unknown resource type '${type}'`);
}

export function checkId(id: string): void {
  if (!ID.test(id)) throw badRequest(`'${id}' is not a valid resource id (1-64 of A-Z a-z 0-9 - .)`);
}

/**
 * An id a client chooses for a resource it writes (update as create, conditional update with an
 * id): a Patient's id must not be a CPR number, as logical ids appear in URLs, logs and AuditEvent
 * `entity.what`, where nothing masks them. Patients stored earlier under such an id stay readable
 * (`checkId` does not refuse them). The diagnostics do not repeat the id.
 */
export function checkClientId(type: string, id: string): void {
  checkId(id);
  if (type === 'Patient' && containsCprNumber(id)) {
    throw badRequest(
      'A Patient id must not be a CPR number (ten digits starting with a DDMMYY date): ids appear in URLs, logs and audit trails. ' +
        'Put the CPR number in Patient.identifier (system urn:oid:1.2.208.176.1.2) and let the server assign the id (POST), ' +
        'or choose an id that is no personal number.',
      [`${type}.id`],
    );
  }
}

/**
 * A request body that must be a resource of the URL's type, validated against the base
 * definitions (and, later, profiles). Malformed → 400; well-formed but invalid → 422.
 */
export function checkResourceBody(deps: Pick<InteractionDeps, 'validator'>, type: string, body: unknown): Resource {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`The request body must be a FHIR ${type} resource (a JSON object)`);
  }
  const resourceType = (body as { resourceType?: unknown }).resourceType;
  if (resourceType !== type) {
    throw badRequest(
      typeof resourceType === 'string'
        ? `The body is a ${resourceType} but the URL is for ${type}`
        : `The body has no resourceType; expected '${type}'`,
      ['resourceType'],
    );
  }
  const issues = deps.validator.validate(body, { type });
  if (hasErrors(issues)) throw unprocessable(issues);
  return body as Resource;
}

/**
 * An update's body names the resource it updates, by an id the client may choose (a PUT to a new
 * id creates it): `checkClientId`.
 * "If no id element is provided, or the id disagrees with the id in the URL, the server SHALL respond with 400"
 */
export function checkUpdateId(resource: Resource, type: string, id: string): void {
  checkClientId(type, id);
  if (resource.id === undefined) throw badRequest(`The body must carry id '${id}' to update ${type}/${id}`, [`${type}.id`]);
  if (resource.id !== id) throw badRequest(`The body's id '${resource.id}' does not match the URL's id '${id}'`, [`${type}.id`]);
}
