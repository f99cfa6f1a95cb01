import type { Resource } from '@medplum/fhirtypes';
import { ownOrganization, type AccessPolicy } from '../auth/access-policy';
import { referenceId } from '../auth/context';
import { forbidden } from '../fhir/outcome';

/** The ids of the Organizations a record's element names (`managingOrganization`, `organization`). */
export const organizationsOf = (r: Resource | undefined, element: string): string[] => {
  const value = (r as Record<string, unknown> | undefined)?.[element];
  return (Array.isArray(value) ? value : value ? [value] : [])
    .map((v: { reference?: string }) => v?.reference)
    .filter((ref): ref is string => typeof ref === 'string' && ref.startsWith('Organization/'))
    .map(referenceId);
};

/**
 * A record bound to an organization element (PractitionerRole.organization, CareTeam.managingOrganization):
 * names only the caller's own organization when created (or first bound), is changed only by
 * that organization and never moves to another. One that names none is its creator's record.
 */
export function sameOrganization(policy: AccessPolicy, type: string, element: string, before: Resource | undefined, after: Resource | undefined): void {
  const own = ownOrganization(policy) as string;
  const was = organizationsOf(before, element);
  const will = organizationsOf(after, element);
  if (was.length) {
    if (!was.includes(own)) throw forbidden(`${type}/${before?.id} belongs to another organization; only its own organization's clients may change it`);
    if (after && [...new Set(was)].sort().join() !== [...new Set(will)].sort().join()) throw forbidden(`${type}.${element} cannot be changed: a record stays with its organization`);
  } else if (will.some((o) => o !== own)) {
    throw forbidden(`A ${type} may name only your own organization (Organization/${own}) in ${element}`);
  }
}
