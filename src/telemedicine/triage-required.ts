import type { ActivityDefinition, CapabilityStatementRestResource, Coding, EpisodeOfCare, Meta, Observation, QuestionnaireResponse, Resource } from '@medplum/fhirtypes';
import { unprocessable } from '../fhir/outcome';
import { ValueSetExpander } from '../fhir/terminology/expand';
import type { DefinitionRegistry } from '../fhir/definitions/registry';
import type { InteractionDeps } from '../interactions/types';
import type { WriteHook } from '../interactions/write-hooks';
import type { StoreTransaction } from '../store/resources';
import type { Change } from '../store/versions';
import { idOf, serverSearch } from './server-reads';

const MEASUREMENT_CODES = 'https://kolibri.dk/fhir/ValueSet/measurement-codes';
const MEASURED_TYPES = new Set(['Observation', 'QuestionnaireResponse']);

/**
 * The `meta.tag` with which a system client imports measurements taken before the patient's
 * home monitoring (history from another record): stored as written, not triaged. Only system
 * clients may use it; the tag stays on the stored resource, so imported items are recognizable.
 */
export const HISTORICAL_IMPORT_TAG = { system: 'https://kolibri.dk/fhir/CodeSystem/write-purpose', code: 'historical-import' } as const;

/** The requests made by `$submit-measurement` (their deps object): the only route that triages. */
const submissions = new WeakSet<InteractionDeps>();

/** Deps for `$submit-measurement`'s own transaction: its measurement writes pass the rule below. */
export function submissionDeps(deps: InteractionDeps): InteractionDeps {
  const own = { ...deps };
  submissions.add(own);
  return own;
}

/**
 * A write hook: a home measurement is triaged, or not written. An Observation whose code is in
 * ValueSet measurement-codes (the installed patient groups' codes), or a QuestionnaireResponse to
 * a Questionnaire a group's ActivityDefinition depends on, about a patient with an active
 * EpisodeOfCare, can be created only through `Patient/{id}/$submit-measurement` — the plain REST
 * routes (create, update, patch, conditional forms, transaction and batch entries) answer 422
 * naming that operation. An update of such an item may change its status, notes and other
 * annotations, but not what was measured (code, value, components, effective time, subject;
 * for a QuestionnaireResponse its questionnaire and answers), nor turn another item into one.
 *
 * Exception: a system client importing history marks each item with HISTORICAL_IMPORT_TAG.
 * Items of patients without an active episode (no home monitoring) are written as before.
 */
export const requireTriage: WriteHook = async ({ tx, deps, changes }) => {
  if (submissions.has(deps)) return;
  for (const change of changes) {
    if (change.action === 'delete' || change.json === null || !MEASURED_TYPES.has(change.resourceType)) continue;
    const item = JSON.parse(change.json) as Observation | QuestionnaireResponse;
    if (importedBySystem(deps, item.meta)) continue;
    const patientId = idOf(item.subject?.reference?.replace(`${deps.baseUrl}/`, ''), 'Patient');
    if (!patientId) continue;
    // cheapest first: an Observation's code is checked in memory, a QuestionnaireResponse's
    // Questionnaire by a search, so that one waits until the patient is known to be monitored
    if (item.resourceType === 'Observation' && !hasMeasurementCode(deps.registry, item.code?.coding)) continue;
    if (!(await inHomeMonitoring(tx, deps, patientId))) continue;
    if (!(await isMeasurement(tx, deps, item))) continue;
    if (change.action === 'update' && (await keepsMeasuredContent(tx, deps, change, item))) continue;
    throw unprocessable([
      {
        severity: 'error',
        code: 'business-rule',
        diagnostics:
          `${change.resourceType} ${describe(item)} is a home measurement of Patient/${patientId}, who has an active episode of care: ` +
          `submit it with POST Patient/${patientId}/$submit-measurement, which triages it; plain writes of measurements are refused`,
        expression: [item.resourceType === 'Observation' ? 'Observation.code' : 'QuestionnaireResponse.questionnaire'],
      },
    ]);
  }
};

// Only Observations with a measurement code and QuestionnaireResponses, about a patient, can be
// measurements; a system client's import is let through. What is not watched may be written
// alone (no transaction): plain Observations and imports keep that fast path.
requireTriage.watches = (change, deps) => {
  if (change.action === 'delete' || !MEASURED_TYPES.has(change.resourceType)) return false;
  const item = change.resource as Observation | QuestionnaireResponse;
  if (!item.subject || importedBySystem(deps, item.meta)) return false;
  return item.resourceType === 'QuestionnaireResponse' || hasMeasurementCode(deps.registry, item.code?.coding);
};

/** CapabilityStatement: the rule, on the Observation and QuestionnaireResponse entries. */
export function withTriageRule(resource: CapabilityStatementRestResource): CapabilityStatementRestResource {
  if (!MEASURED_TYPES.has(resource.type as string)) return resource;
  const rule =
    `A ${resource.type} that is a home measurement (${resource.type === 'Observation' ? 'code in ValueSet measurement-codes' : 'answers a patient group Questionnaire'}) ` +
    'of a patient with an active EpisodeOfCare is written only by Patient/{id}/$submit-measurement, which triages it: create, update, patch and ' +
    'Bundle entries that would add or change one answer 422 naming that operation (status changes stay allowed). System clients importing ' +
    `history tag each item with meta.tag ${HISTORICAL_IMPORT_TAG.system}|${HISTORICAL_IMPORT_TAG.code}; it is stored untriaged.`;
  return { ...resource, documentation: resource.documentation ? `${resource.documentation} ${rule}` : rule };
}

function importedBySystem(deps: InteractionDeps, meta: Meta | undefined): boolean {
  const kind = deps.access.auth.kind;
  if (kind !== 'system' && kind !== 'development') return false;
  return !!meta?.tag?.some((t) => t.system === HISTORICAL_IMPORT_TAG.system && t.code === HISTORICAL_IMPORT_TAG.code);
}

async function isMeasurement(tx: StoreTransaction, deps: InteractionDeps, item: Observation | QuestionnaireResponse): Promise<boolean> {
  if (item.resourceType === 'Observation') return hasMeasurementCode(deps.registry, item.code?.coding);
  const questionnaire = item.questionnaire?.split('|')[0];
  if (!questionnaire) return false;
  const activities = await serverSearch<ActivityDefinition>(deps, 'ActivityDefinition', [['depends-on', questionnaire], ['_count', '100']], tx);
  return activities.some((ad) => hasMeasurementCode(deps.registry, ad.code?.coding));
}

const expanders = new WeakMap<DefinitionRegistry, ValueSetExpander>();

function hasMeasurementCode(registry: DefinitionRegistry, codings: readonly Coding[] | undefined): boolean {
  let expander = expanders.get(registry);
  if (!expander) expanders.set(registry, (expander = new ValueSetExpander(registry)));
  const codes = expander.expand(MEASUREMENT_CODES);
  return !!codes && !!codings?.some((c) => !!c.code && codes.has(c.system, c.code));
}

/** Whether an update leaves what was measured as it was in a version that already was a measurement. */
async function keepsMeasuredContent(tx: StoreTransaction, deps: InteractionDeps, change: Change, item: Observation | QuestionnaireResponse): Promise<boolean> {
  const before = await tx.vread(change.resourceType, change.id, change.versionId - 1);
  if (!before?.json) return false;
  const previous = JSON.parse(before.json) as Observation | QuestionnaireResponse;
  if (!(await isMeasurement(tx, deps, previous))) return false;
  return measured(previous) === measured(item);
}

/** What was measured, as comparable text. */
function measured(item: Observation | QuestionnaireResponse): string {
  const picked: Record<string, unknown> = {};
  const fields =
    item.resourceType === 'Observation'
      ? Object.keys(item).filter((k) => k === 'code' || k === 'subject' || k === 'component' || k.startsWith('value') || k.startsWith('effective'))
      : ['questionnaire', 'subject', 'item'];
  for (const k of fields.sort()) picked[k] = (item as unknown as Record<string, unknown>)[k];
  return JSON.stringify(picked);
}

async function inHomeMonitoring(tx: StoreTransaction, deps: InteractionDeps, patientId: string): Promise<boolean> {
  const episodes = await serverSearch<EpisodeOfCare>(deps, 'EpisodeOfCare', [['patient', `Patient/${patientId}`], ['status', 'active'], ['_count', '1']], tx);
  return episodes.length > 0;
}

function describe(item: Resource & { code?: Observation['code']; questionnaire?: string }): string {
  if (item.resourceType === 'QuestionnaireResponse') return `to ${item.questionnaire}`;
  const c = item.code?.coding?.[0];
  return c ? `${c.system}|${c.code}` : '';
}
