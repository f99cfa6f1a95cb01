import type { CapabilityStatementRestResource } from '@medplum/fhirtypes';

const RULES: Readonly<Record<string, string>> = {
  Appointment:
    'Video consultations (kolibri-appointment, ext-video-link). Status workflow: created as proposed, pending, booked or waitlist; ' +
    'proposed -> pending | booked | waitlist | cancelled; pending -> booked | waitlist | cancelled; booked -> arrived | checked-in | cancelled | noshow; ' +
    'arrived -> checked-in | fulfilled; checked-in -> fulfilled; any -> entered-in-error; fulfilled, cancelled and noshow are final (422 otherwise). ' +
    "A citizen's app changes only its own participant's status (accept, decline) of an existing appointment (403 otherwise).",
  Communication:
    'Messages between citizen and care team (kolibri-communication). A message a citizen sends to a CareTeam of its episode creates a Task ' +
    "unread-message on that team's worklist in the same transaction; the read receipt (ext-read, set by the reader) completes it.",
  Media: 'Photos (kolibri-media): the image is a Binary uploaded in its own format and named by content.url; submitted with $submit-measurement.',
};

/** CapabilityStatement: the telemedicine rules for the modality types, said on their resource entries. */
export function withModalityRules(resource: CapabilityStatementRestResource): CapabilityStatementRestResource {
  const rule = RULES[resource.type as string];
  if (!rule) return resource;
  return { ...resource, documentation: resource.documentation ? `${resource.documentation} ${rule}` : rule };
}
