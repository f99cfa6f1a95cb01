import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';

/**
 * The Bulk Data export operations for the CapabilityStatement
 * (https://hl7.org/fhir/uv/bulkdata/CapabilityStatement-bulk-data.html). They have routes of
 * their own (the async pattern and the NDJSON files are not a FHIR operation result).
 */
const BULKDATA = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';

export const EXPORT_SYSTEM_OPERATIONS = [{ name: 'export', definition: `${BULKDATA}/export` }];

const TYPE_OPERATIONS: Record<string, { name: string; definition: string }> = {
  Patient: { name: 'export', definition: `${BULKDATA}/patient-export` },
  Group: { name: 'export', definition: `${BULKDATA}/group-export` },
};

/** Add `$export` to the Patient and Group entries. */
export function withExportOperations(resource: CapabilityStatementRestResource): CapabilityStatementRestResource {
  const op = TYPE_OPERATIONS[resource.type as string];
  return op ? { ...resource, operation: [...(resource.operation ?? []), op] } : resource;
}
