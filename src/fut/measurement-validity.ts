import type { ClinicalImpression, Resource } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import { badRequest, notFound } from '../fhir/outcome';
import { authorizeEntry } from '../interactions/authorize';
import { transaction } from '../interactions/transaction';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { readCurrent, serverSearch } from '../telemedicine/server-reads';
import { FUT_BASE } from './canonical';
import { withKolibriEpisode } from './episode-link';
import type { FutOperationSpec } from './operation-definition';
import { localId, localizeReferences, localReference } from './references';
import { businessRule, resourcesOf } from './results';

/**
 * `POST ClinicalImpression/$set-measurement-validity` (FUT): a clinician (or the citizen) marks a
 * measurement invalid, or retracts an earlier invalidation, by posting a ClinicalImpression that
 * says so. In one transaction, as the caller's ordinary writes (scopes and access as an update of
 * the measurement and a create of the ClinicalImpression; a measurement the caller cannot see is
 * a 404 like a read):
 *
 *  - the measurement's status becomes `entered-in-error` (invalidated) or back to `final`
 *    (Observation) / `completed` (retracted); Kolibri's entered-in-error rule runs on it (its
 *    Provenance and the re-triage of its submission without it, or, retracted, with it again);
 *  - earlier validity ClinicalImpressions of the measurement become `entered-in-error`;
 *  - the ClinicalImpression is stored with the assessor (the practitioner of the token) and an
 *    `item-modified` investigation naming the measurement's new version, and returned.
 */

const CS = `${FUT_BASE.replace('/fhir', '')}/cs`;
const FINDING_INVALIDATED = 'measurement-invalidated';
const FINDING_RETRACTED = 'measurement-invalidation-retracted';
const DECISIONS = ['invalidated-fulfills', 'invalidated-is-not-fulfillment'];
export const DECISION_EXTENSION = `${FUT_BASE}/StructureDefinition/ehealth-clinicalimpression-decision`;
const MEASUREMENT_TYPES = ['Observation', 'QuestionnaireResponse', 'Media'];

export const setMeasurementValiditySpec: FutOperationSpec = {
  id: 'ClinicalImpression-t-set-measurement-validity',
  code: 'set-measurement-validity',
  title: 'Set measurement validity',
  description:
    'Invalidates a measurement (Observation, QuestionnaireResponse or Media) or retracts an earlier invalidation. The input ClinicalImpression has status completed, subject the patient, the measurement in investigation.item (versioned and/or unversioned references), one finding whose itemCodeableConcept is measurement-invalidated or measurement-invalidation-retracted, and for an invalidation the decision extension (ehealth-clinicalimpression-decision: invalidated-fulfills or invalidated-is-not-fulfillment). In one transaction the measurement becomes entered-in-error (invalidated; its submission is re-triaged without it) or final/completed (retracted; there must be an invalidation to retract; its submission is re-triaged with it again), earlier validity ClinicalImpressions of the measurement become entered-in-error, and the ClinicalImpression is stored with the assessor and an item-modified investigation naming the measurement\'s new version.',
  level: 'type',
  types: ['ClinicalImpression'],
  methods: ['POST'],
  affectsState: true,
  inputs: [{ name: 'clinicalImpression', type: 'resource', resourceType: 'ClinicalImpression', min: 1, max: '1', documentation: 'The ClinicalImpression stating the invalidation or its retraction (see the description).' }],
  output: { name: 'return', type: 'ClinicalImpression', documentation: 'The persisted ClinicalImpression with the assessor and the item-modified investigation.' },
  run: ({ deps }, inputs) => setMeasurementValidity(deps, inputs.get('clinicalImpression')?.[0] as ClinicalImpression),
};

async function setMeasurementValidity(deps: InteractionDeps, given: ClinicalImpression): Promise<InteractionResult> {
  const ci = localizeReferences(deps.baseUrl, given);
  const items = (ci.investigation ?? []).flatMap((inv) => inv.item ?? []).map((i) => localReference(deps.baseUrl, i.reference) ?? '');
  const targets = new Set(items.map((ref) => /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]+)?$/.exec(ref)).map((m) => (m ? `${m[1]}/${m[2]}` : '')));
  if (targets.size !== 1 || targets.has('')) throw badRequest('investigation.item must reference one measurement (versioned and/or unversioned references to the same resource)', ['ClinicalImpression.investigation.item']);
  const [type, id] = [...targets][0].split('/');
  if (!MEASUREMENT_TYPES.includes(type)) throw badRequest(`investigation.item must reference an Observation, QuestionnaireResponse or Media, got ${type}`, ['ClinicalImpression.investigation.item']);
  const patientId = localId(deps.baseUrl, ci.subject?.reference, 'Patient');
  if (!patientId) throw badRequest('subject must reference the Patient', ['ClinicalImpression.subject']);

  // the measurement as the caller may see it: hidden and nonexistent answer alike, before any rule says more
  const measurement = await readCurrent<Resource & { status?: string; subject?: { reference?: string }; meta?: { versionId?: string } }>(deps, type, id);
  if (!measurement) throw notFound(`${type}/${id} is not known`);
  await deps.access.ensureVisible(measurement, `${type}/${id}`);

  if (ci.status !== 'completed') throw businessRule(`status must be completed, got '${ci.status}'`, 'ClinicalImpression.status');
  const findings = (ci.finding ?? []).flatMap((f) => f.itemCodeableConcept?.coding ?? []).map((c) => c.code);
  const finding = findings.length === 1 ? findings[0] : undefined;
  if (finding !== FINDING_INVALIDATED && finding !== FINDING_RETRACTED) throw businessRule(`finding must be one itemCodeableConcept, ${FINDING_INVALIDATED} or ${FINDING_RETRACTED}`, 'ClinicalImpression.finding');
  const decision = ci.extension?.find((e) => e.url === DECISION_EXTENSION)?.valueCodeableConcept?.coding?.[0]?.code;
  if (finding === FINDING_INVALIDATED && !DECISIONS.includes(decision ?? '')) throw businessRule(`An invalidation needs the decision extension (${DECISION_EXTENSION}): ${DECISIONS.join(' or ')}`, 'ClinicalImpression.extension');
  if (measurement.subject?.reference !== `Patient/${patientId}`) throw businessRule(`${type}/${id} is not a measurement of Patient/${patientId}`, 'ClinicalImpression.subject');

  const earlier = (await serverSearch<ClinicalImpression>(deps, 'ClinicalImpression', [['investigation', `${type}/${id}`], ['_count', '100']])).filter(
    (c) => c.status !== 'entered-in-error' && c.finding?.some((f) => f.itemCodeableConcept?.coding?.some((x) => x.code === FINDING_INVALIDATED || x.code === FINDING_RETRACTED)),
  );
  if (finding === FINDING_RETRACTED && !earlier.some((c) => c.finding?.some((f) => f.itemCodeableConcept?.coding?.some((x) => x.code === FINDING_INVALIDATED)))) {
    throw businessRule(`${type}/${id} has no invalidation to retract`, 'ClinicalImpression.finding');
  }
  const status = finding === FINDING_INVALIDATED ? 'entered-in-error' : type === 'Observation' ? 'final' : 'completed';
  const version = Number(measurement.meta?.versionId ?? '1');
  const changed = withoutMeta({ ...measurement, status } as Resource);

  const auth = deps.access.auth;
  const stored: ClinicalImpression = {
    ...withKolibriEpisode(ci),
    ...(auth.practitioner ? { assessor: { reference: auth.practitioner } } : {}),
    investigation: [
      ...(ci.investigation ?? []),
      { code: { coding: [{ system: `${CS}/clinicalimpression-investigation-item-codes`, code: 'item-modified' }] }, item: [{ reference: `${type}/${id}/_history/${version + 1}` }] },
    ],
  };
  delete (stored as { id?: unknown }).id;
  const ciUrl = `urn:uuid:${randomUUID()}`;
  const entries = [
    { resource: changed, request: { method: 'PUT', url: `${type}/${id}`, ifMatch: `W/"${version}"` } },
    { fullUrl: ciUrl, resource: stored, request: { method: 'POST', url: 'ClinicalImpression' } },
    ...earlier.map((c) => ({ resource: withoutMeta({ ...c, status: 'entered-in-error' }), request: { method: 'PUT', url: `ClinicalImpression/${c.id}` } })),
  ];
  const written = resourcesOf(await transaction(deps, entries, { authorize: authorizeEntry(deps) }));
  return { status: 200, body: written[1] as ClinicalImpression };
}

/** A stored resource as an update body: its meta is the server's. */
function withoutMeta<T extends Resource>(resource: T): T {
  const copy = { ...resource };
  delete copy.meta;
  return copy;
}
