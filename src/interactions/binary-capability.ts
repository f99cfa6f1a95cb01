import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';

/** What the Binary entry of the CapabilityStatement says about the Binary's own format. */
export interface BinaryContent {
  maxBytes: number;
  contentTypes: readonly string[];
}

/**
 * The Binary entry, with its non-FHIR representation described (https://hl7.org/fhir/R4/http.html#binary):
 * the media types a raw body may have, the size limit, the security-context header, raw reads.
 */
export function withBinaryContent(resource: CapabilityStatementRestResource, content: BinaryContent): CapabilityStatementRestResource {
  if (resource.type !== 'Binary') return resource;
  const types = content.contentTypes.length ? content.contentTypes.join(', ') : 'none';
  const text =
    `Besides FHIR JSON, create and update take the content itself: Content-Type one of ${types} (others 415), ` +
    `at most ${content.maxBytes} bytes (413 beyond, also for the decoded data of a Binary sent as FHIR JSON), ` +
    'stored as contentType and data; the X-Security-Context header (a reference, e.g. Patient/123) becomes securityContext, ' +
    'which gives the Binary the access of the patient it points into. A read or vread whose Accept (or _format) does not ' +
    'name FHIR JSON answers the content with its content type (types outside that list as an application/octet-stream attachment).';
  return { ...resource, documentation: resource.documentation ? `${resource.documentation} ${text}` : text };
}
