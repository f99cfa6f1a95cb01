import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';

/**
 * The Bulk Data export operations for the CapabilityStatement
 * (https://hl7.org/fhir/uv/bulkdata/CapabilityStatement-bulk-data.html). They have routes of
 * their own (the async pattern and the NDJSON files are not a FHIR operation result).
 */
const BULKDATA = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';

/** How every kick-off is made (CapabilityStatement.rest…operation.documentation). */
const KICK_OFF = 'Kick-off by GET with query parameters, or by POST with a Parameters body (_type, _since, _typeFilter, _outputFormat as valueString/valueInstant); Prefer: respond-async.';

export const EXPORT_SYSTEM_OPERATIONS = [{ name: 'export', definition: `${BULKDATA}/export`, documentation: KICK_OFF }];

const TYPE_OPERATIONS: Record<string, { name: string; definition: string; documentation: string }> = {
  Patient: { name: 'export', definition: `${BULKDATA}/patient-export`, documentation: KICK_OFF },
  Group: { name: 'export', definition: `${BULKDATA}/group-export`, documentation: KICK_OFF },
};

/** Add `$export` to the Patient and Group entries. */
export function withExportOperations(resource: CapabilityStatementRestResource): CapabilityStatementRestResource {
  const op = TYPE_OPERATIONS[resource.type as string];
  return op ? { ...resource, operation: [...(resource.operation ?? []), op] } : resource;
}
