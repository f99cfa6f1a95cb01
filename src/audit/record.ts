import type { AuditEvent } from '@medplum/fhirtypes';

/** What the audit outbox keeps of one request (no bodies; CPR numbers masked). */
export interface AuditRecord {
  recorded: string;
  requestId: string;
  clientId: string;
  clientKind: string;
  organization?: string;
  practitioner?: string;
  careTeam?: string;
  /** https://hl7.org/fhir/R4/valueset-type-restful-interaction.html code */
  interaction: string;
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  status: number;
  method: string;
  path: string;
  query?: string;
  /** Patients known to be touched; search results add theirs from `rids` when drained. */
  patients: string[];
  rids: string[];
  /**
   * The request asked for these patients' data and was refused (answered like a resource that
   * does not exist): their AuditEvents record a failed access, whatever the response status.
   */
  refused: boolean;
}

const ACTION_OF: Record<string, AuditRecord['action']> = {
  create: 'C',
  read: 'R',
  vread: 'R',
  'history-instance': 'R',
  'history-type': 'R',
  'history-system': 'R',
  'search-type': 'R',
  'search-system': 'R',
  update: 'U',
  patch: 'U',
  delete: 'D',
  transaction: 'E',
  batch: 'E',
  operation: 'E',
};

/** The RESTful interaction a route is, from its method and route pattern. */
export function interactionOf(method: string, route: string): { interaction: string; action: AuditRecord['action'] } {
  const segments = route.split('/').filter(Boolean).slice(1); // after 'fhir'
  let interaction: string;
  if (segments.some((s) => s.startsWith('$'))) interaction = 'operation';
  else if (segments.includes('_history')) {
    interaction = segments.length === 4 ? 'vread' : segments.length === 3 ? 'history-instance' : segments.length === 2 ? 'history-type' : 'history-system';
  } else if (method === 'GET' || segments[segments.length - 1] === '_search') {
    interaction = segments.length === 2 && segments[1] === ':id' ? 'read' : segments.length === 0 || segments[0] === '_search' ? 'search-system' : 'search-type';
  } else if (method === 'POST') interaction = segments.length === 0 ? 'transaction' : 'create';
  else if (method === 'PUT') interaction = 'update';
  else if (method === 'PATCH') interaction = 'patch';
  else interaction = 'delete';
  return { interaction, action: ACTION_OF[interaction] ?? 'E' };
}

/**
 * https://hl7.org/fhir/R4/valueset-audit-event-outcome.html: 0 success, 4 minor failure (refused,
 * or a 4xx), 8 serious failure (5xx). A refused access is a failure even inside a 200 batch.
 */
function outcomeOf(record: AuditRecord): '0' | '4' | '8' {
  if (record.status >= 500) return '8';
  return record.refused || record.status >= 400 ? '4' : '0';
}

/**
 * The AuditEvent of one request for one patient (https://hl7.org/fhir/R4/auditevent.html):
 * who (the client app, its organization, the practitioner), what (the patient, the request),
 * when and with which outcome. Searchable by `patient`, `altid` (client id), `date`, `action`.
 */
export function auditEventFor(record: AuditRecord, patientId: string): AuditEvent {
  const agents: AuditEvent['agent'] = [
    {
      type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110150', display: 'Application' }] },
      altId: record.clientId,
      name: `${record.clientId} (${record.clientKind})`,
      requestor: true,
      ...(record.organization ? { who: { reference: record.organization } } : {}),
    },
  ];
  if (record.practitioner) agents.push({ who: { reference: record.practitioner }, requestor: true });
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: record.interaction }],
    action: record.action,
    recorded: record.recorded,
    outcome: outcomeOf(record),
    outcomeDesc: record.refused ? `Access refused: the client may not see this patient's data (HTTP ${record.status})` : `HTTP ${record.status}`,
    agent: agents,
    source: {
      observer: { display: 'Kolibri' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: [
      {
        what: { reference: `Patient/${patientId}` },
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
      },
      {
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
        description: `${record.method} ${record.path}`,
        ...(record.query ? { query: Buffer.from(record.query, 'utf8').toString('base64') } : {}),
        detail: [{ type: 'request-id', valueString: record.requestId }],
      },
    ],
  };
}
