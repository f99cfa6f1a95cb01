import { futOperation as futCanonicalUrl } from '../canonical';
import { upsertDefinitions } from '../../modules/definitions';
import type { OperationDefinitionParameter } from '@medplum/fhirtypes';
import type { Operation } from '../../interactions/operation';
import type { KolibriModule } from '../../modules/module';
import { declaredFutDefinition, withFutNames, type DeclaredFutOperation } from '../declared-operations';
import { appointmentIcal } from './appointment-ical';
import { metaOperation } from './meta';
import { resourceCounts } from './resource-counts';
import { traverseToSor } from './traverse-to-sor';

/** An operation and its OperationDefinition, from one spec (levels and resource types agree by construction). */
function futOperation(spec: DeclaredFutOperation, methods: Operation['methods'], handler: Operation['handler']): { operation: Operation; spec: DeclaredFutOperation } {
  const levels: Operation['levels'] = [...(spec.system ? ['system' as const] : []), ...(spec.type ? ['type' as const] : []), ...(spec.instance ? ['instance' as const] : [])];
  return { operation: { name: spec.code, levels, methods, definition: futCanonicalUrl(spec.futId), ...(spec.resource ? { types: spec.resource } : {}), handler }, spec };
}

/** R4's `$meta`, the same operation: declared under its canonical too. */
const R4_META = 'http://hl7.org/fhir/OperationDefinition/Resource-meta';

const out = (type: string, documentation: string): OperationDefinitionParameter => ({ name: 'return', use: 'out', min: 1, max: '1', type, documentation });

const OPERATIONS = [
  futOperation(
    {
      futId: '-s-get-resource-counts',
      code: 'get-resource-counts',
      title: 'Resource counts',
      description: 'The number of current resources of each type that the caller may read (types its scopes allow it to search; resources within its reach), one valueInteger per type that has any, named by the type. Takes no parameters.',
      affectsState: false,
      system: true,
      type: false,
      instance: false,
      parameter: [out('Parameters', 'One parameter per resource type: name = the type, valueInteger = the count.')],
    },
    ['GET', 'POST'],
    resourceCounts,
  ),
  futOperation(
    {
      futId: 'Organization-i-traverse-to-sor',
      code: 'traverse-to-sor',
      title: 'Traverse to the SOR organization',
      description: 'The Organization itself when it has a SOR identifier (urn:oid:1.2.208.176.1.1), else the first Organization up its partOf chain that has one; 404 when there is none. Takes no parameters.',
      affectsState: false,
      system: false,
      type: false,
      instance: true,
      resource: ['Organization'],
      parameter: [out('Organization', 'The first Organization with a SOR identifier.')],
    },
    ['GET', 'POST'],
    traverseToSor,
  ),
  futOperation(
    {
      futId: 'ehealth-appointment-toical',
      code: 'exportAsiCal',
      title: 'Appointment as iCalendar',
      description: 'The Appointment as an iCalendar (RFC 5545) file with one VEVENT (UID, DTSTAMP, DTSTART, DTEND in UTC, SUMMARY, DESCRIPTION from comment, STATUS), in a Binary with contentType text/calendar. 422 when the Appointment has no start or end. Takes no parameters.',
      affectsState: false,
      system: false,
      type: false,
      instance: true,
      resource: ['Appointment'],
      parameter: [out('Binary', 'The iCalendar file (text/calendar).')],
    },
    ['GET', 'POST'],
    appointmentIcal,
  ),
  futOperation(
    {
      futId: '-s-meta',
      code: 'meta',
      title: 'Profiles, tags and security labels',
      description:
        'At instance level the resource’s meta.profile, meta.tag and meta.security (404 when the caller may not read it); at type and system level those in use on the current resources (of the type) the caller may read, of the types its scopes allow it to search. Takes no parameters.',
      affectsState: false,
      system: true,
      type: true,
      instance: true,
      parameter: [out('Meta', 'The profiles, tags and security labels.')],
    },
    ['GET', 'POST'],
    metaOperation,
  ),
].map((o) => (o.spec.code === 'meta' ? { ...o, operation: { ...o.operation, alsoDefinitions: [R4_META] } } : o));

/** FUT's other names for `$meta`, by the types its services declare them for (the operation is the one above). */
const META_NAMES: ReadonlyArray<{ futId: string; types: string[] }> = [
  { futId: 'AppointmentSearchParameter-its-meta', types: ['Appointment', 'SearchParameter'] },
  { futId: 'Multi-its-meta', types: ['CodeSystem', 'ConceptMap', 'Group', 'NamingSystem', 'Practitioner', 'ValueSet'] },
];
const specOf = (code: string) => OPERATIONS.find((o) => o.spec.code === code)?.spec as DeclaredFutOperation;
const META_SPEC = specOf('meta');
/** FUT's patient service names `$exportAsiCal` by a server-generated id besides the IG's canonical. */
const ICAL_NAMES = [{ futId: 'Appointment-i-exportAsiCal', types: ['Appointment'] }];
const ICAL_SPEC = specOf('exportAsiCal');


const definitions = () => [
  ...OPERATIONS.map((o) => declaredFutDefinition(o.spec)),
  ...META_NAMES.map((n) => declaredFutDefinition({ ...META_SPEC, futId: n.futId, system: n.futId.includes('-its-'), resource: n.types })),
  ...ICAL_NAMES.map((n) => declaredFutDefinition({ ...ICAL_SPEC, futId: n.futId })),
];

/**
 * Further operations of FUT's services at FUT's canonical URLs, on the records Kolibri holds:
 * `$get-resource-counts`, `Organization/$traverse-to-sor`, `Appointment/$exportAsiCal` and `$meta`
 * (also under FUT's type-specific names).
 */
export function futRecordsModule(): KolibriModule {
  return {
    name: 'fut-records',
    operations: OPERATIONS.map((o) => o.operation),
    capability: { decorateResource: (resource) => withFutNames(withFutNames(resource, 'meta', META_NAMES), 'exportAsiCal', ICAL_NAMES) },
    loadTemplates: (deps) => upsertDefinitions(deps, definitions()),
  };
}
