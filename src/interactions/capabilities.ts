// https://hl7.org/fhir/R4/http.html#capabilities
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestSecurity,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';
import type { InteractionDeps, InteractionResult } from './types';

export interface CapabilityOptions {
  softwareVersion: string;
  /** When the statement was generated (server start). */
  date: string;
  /** Search parameters that really work, per type; absent until the search engine is wired. */
  searchParams?: (type: string) => CapabilityStatementRestResourceSearchParam[];
  /** Extra system-level interactions and operations (transaction, batch...) as they are added. */
  systemInteractions?: Array<'transaction' | 'batch' | 'search-system' | 'history-system'>;
  /** System-level operations (`[base]/$name`), as rest.operation. */
  systemOperations?: Array<{ name: string; definition: string; documentation?: string }>;
  /** Per-type additions (operations, conditional support) contributed by later features. */
  decorateResource?: (r: CapabilityStatementRestResource) => CapabilityStatementRestResource;
  /** Profiles the server supports for a type (rest.resource.supportedProfile): Kolibri's, from fhir-profiles/. */
  supportedProfiles?: (type: string) => string[];
  /** Canonical URLs of the ImplementationGuides the server implements. */
  implementationGuide?: string[];
  /** How clients authenticate (SMART on FHIR), https://hl7.org/fhir/R4/capabilitystatement-definitions.html#CapabilityStatement.rest.security */
  security?: CapabilityStatementRestSecurity;
}

/**
 * The CapabilityStatement is generated from what the server serves (the registry's types and
 * the interactions implemented), never hand-maintained, so it cannot drift from behaviour.
 */
export function buildCapabilityStatement(
  deps: Pick<InteractionDeps, 'registry' | 'baseUrl' | 'updateCreate' | 'limits'>,
  options: CapabilityOptions,
): CapabilityStatement {
  const resource: CapabilityStatementRestResource[] = deps.registry.resourceTypes().map((type) => {
    const searchParam = options.searchParams?.(type) ?? [];
    const supportedProfile = options.supportedProfiles?.(type) ?? [];
    const base: CapabilityStatementRestResource = {
      type: type as CapabilityStatementRestResource['type'],
      profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
      ...(supportedProfile.length ? { supportedProfile } : {}),
      interaction: [
        { code: 'read' },
        { code: 'vread' },
        { code: 'update' },
        { code: 'patch' },
        { code: 'delete' },
        { code: 'history-instance' },
        { code: 'history-type' },
        { code: 'create' },
        ...(options.searchParams ? [{ code: 'search-type' as const }] : []),
      ],
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: deps.updateCreate,
      conditionalCreate: true,
      conditionalRead: 'not-supported',
      conditionalUpdate: true,
      // https://hl7.org/fhir/R4/valueset-conditional-delete-status.html: as configured
      conditionalDelete: deps.limits.conditionalDeleteMultiple ? 'multiple' : 'single',
      ...(searchParam.length ? { searchParam } : {}),
    };
    return options.decorateResource ? options.decorateResource(base) : base;
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date,
    publisher: 'Kolibri',
    kind: 'instance',
    software: { name: 'Kolibri', version: options.softwareVersion },
    implementation: { description: 'Kolibri FHIR R4 telemedicine infrastructure', url: deps.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    ...(options.implementationGuide?.length ? { implementationGuide: options.implementationGuide } : {}),
    rest: [
      {
        mode: 'server',
        documentation: 'FHIR R4 REST API for telemedical home monitoring (COPD, heart failure).',
        ...(options.security ? { security: options.security } : {}),
        resource,
        // transaction and batch (POST [base]) are always served; the rest as the caller says.
        interaction: [...new Set(['transaction', 'batch', ...(options.systemInteractions ?? ['history-system'])])].map((code) => ({
          code: code as 'transaction',
        })),
        ...(options.systemOperations?.length ? { operation: options.systemOperations.map((o) => ({ name: o.name, definition: o.definition, ...(o.documentation ? { documentation: o.documentation } : {}) })) } : {}),
      },
    ],
  };
}

export function capabilities(statement: CapabilityStatement): InteractionResult {
  return { status: 200, body: statement };
}
