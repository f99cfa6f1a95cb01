import type { Resource } from '@medplum/fhirtypes';
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
 * An update's body names the resource it updates.
 * "If no id element is provided, or the id disagrees with the id in the URL, the server SHALL respond with 400"
 */
export function checkUpdateId(resource: Resource, type: string, id: string): void {
  if (resource.id === undefined) throw badRequest(`The body must carry id '${id}' to update ${type}/${id}`, [`${type}.id`]);
  if (resource.id !== id) throw badRequest(`The body's id '${resource.id}' does not match the URL's id '${id}'`, [`${type}.id`]);
}
