import type { ProvenanceAgent } from '@medplum/fhirtypes';
import type { AuthContext } from '../auth/context';

/**
 * The agents of a Provenance the server records for a caller's act
 * (https://hl7.org/fhir/R4/provenance.html): the person as author (practitioner, else patient,
 * else organization) on behalf of its organization, and the client application as performer.
 */
export function callerAgents(auth: AuthContext): ProvenanceAgent[] {
  const person = auth.practitioner ?? (auth.kind === 'citizen' ? auth.patient : undefined) ?? auth.organization;
  const onBehalfOf: ProvenanceAgent['onBehalfOf'] = auth.organization && auth.organization !== person ? { reference: auth.organization } : undefined;
  const agentType = (code: string, display: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code, display }] });
  return [
    ...(person ? [{ type: agentType('author', 'Author'), who: { reference: person }, ...(onBehalfOf ? { onBehalfOf } : {}) }] : []),
    { type: agentType('performer', 'Performer'), who: { identifier: { system: 'https://kolibri.dk/fhir/client-id', value: auth.clientId }, display: `${auth.clientId} (${auth.kind})` } },
  ];
}
