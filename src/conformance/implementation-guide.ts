import type { ImplementationGuide, Resource } from '@medplum/fhirtypes';
import type { DefinitionRegistry } from '../fhir/definitions/registry';

/** Canonical URL of Kolibri's ImplementationGuide (CapabilityStatement.implementationGuide). */
export const KOLIBRI_IG_URL = 'https://kolibri.dk/fhir/ImplementationGuide/kolibri';

/**
 * The ImplementationGuide that names Kolibri's conformance resources (fhir-profiles/), made from
 * them when the built-in definitions are written, so it cannot drift from the folder.
 * https://hl7.org/fhir/R4/implementationguide.html
 */
export function kolibriImplementationGuide(definitions: readonly Resource[]): ImplementationGuide {
  return {
    resourceType: 'ImplementationGuide',
    id: 'kolibri',
    url: KOLIBRI_IG_URL,
    version: '1.0.0',
    name: 'Kolibri',
    title: 'Kolibri telemedicine (home monitoring of COPD and heart failure)',
    status: 'active',
    publisher: 'Kolibri',
    packageId: 'dk.kolibri.fhir',
    fhirVersion: ['4.0.1'],
    definition: {
      resource: definitions.map((r) => ({
        reference: { reference: `${r.resourceType}/${r.id}` },
        ...((r as { name?: string }).name ? { name: (r as { name?: string }).name } : {}),
        exampleBoolean: false,
      })),
    },
  };
}

/**
 * The profiles from the definition files and IG packages (not R4's own) that constrain a resource type: what the
 * CapabilityStatement lists as its supportedProfile. `registry` is the one loaded from files.
 */
export function fileProfiles(registry: DefinitionRegistry, type: string): string[] {
  return [...registry.structureDefinitions()]
    .filter((sd) => sd.kind === 'resource' && sd.derivation === 'constraint' && sd.type === type && sd.url && !sd.url.startsWith('http://hl7.org/fhir/StructureDefinition/'))
    .map((sd) => sd.url as string)
    .sort();
}
