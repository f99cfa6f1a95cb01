import type { Binary, Bundle, Provenance, Resource } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcome';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import type { Submitted } from '../telemedicine/submission-context';
import { callerAgents } from '../telemedicine/provenance-agents';
import { submitItems } from '../telemedicine/submit-measurement';
import { withKolibriEpisode } from './episode-link';
import { inlineImage } from './inline-image';
import type { FutOperationSpec } from './operation-definition';
import { localId, localizeReferences } from './references';
import { businessRule } from './results';

/**
 * `POST [base]/$submit-measurement` as the national infrastructure defines it: one measurement
 * (a Bundle of Observations, QuestionnaireResponses, Media and Provenances of reuse) in the
 * `measurement` parameter, for one patient and episode, stored in one transaction. It runs
 * Kolibri's own submission path (Patient/{id}/$submit-measurement: validation, access as creates,
 * triage ClinicalImpression and assessment Task), and adds FUT's rules: measurement items
 * `final`/`completed`, each Provenance targeting items of the Bundle by their `urn:uuid:` or
 * `urn:oid:` fullUrl, and a Provenance of the server targeting every item. References at this
 * server's base are taken as local; FUT's `workflow-episodeOfCare` link is given Kolibri's episode
 * extension too, which triage and the care model read. A Media's inline image (content.data) is
 * stored as a Binary of the patient in the same transaction and named by its content.url.
 */
export const submitMeasurementSpec: FutOperationSpec = {
  id: '-s-submit-measurement',
  code: 'submit-measurement',
  title: 'Submit measurement',
  description:
    'Stores one measurement: a Bundle of Observations (status final), QuestionnaireResponses and Media (status completed) of one patient and episode of care, and Provenances of reuse that target other entries of the Bundle by their urn:uuid/urn:oid fullUrl. The server adds a Provenance targeting every submitted item, and triages the submission like Kolibri\'s Patient/{id}/$submit-measurement (a triage ClinicalImpression and a "measurement for assessment" Task for the episode\'s care team), all in one transaction. A Media names an image uploaded as a Binary before (content.url), or carries it inline (content.data with content.contentType, one of the media types and within the size a Binary upload may have; others 422, larger 413): the server stores the bytes as a Binary of the patient (securityContext the Patient) in the same transaction and stores the Media with content.url Binary/{id} instead of the data.',
  level: 'system',
  methods: ['POST'],
  affectsState: true,
  inputs: [{ name: 'measurement', type: 'resource', resourceType: 'Bundle', min: 1, max: '1', documentation: 'Bundle of 0..* Observation, 0..* QuestionnaireResponse, 0..* Media and 0..* Provenance (any Bundle type; each entry needs a resource, items a urn:uuid or urn:oid fullUrl when a Provenance targets them).' }],
  output: { name: 'return', type: 'Bundle', documentation: 'The transaction-response Bundle: the items in the request\'s order, the Binaries of inline images, the Provenances of reuse, the triage ClinicalImpression, the Task and the server\'s Provenance.' },
  run: ({ deps }, inputs) => submitFutMeasurement(deps, inputs.get('measurement')?.[0] as Bundle),
};

const ITEM_STATUS: Record<string, string> = { Observation: 'final', QuestionnaireResponse: 'completed', Media: 'completed' };

async function submitFutMeasurement(deps: InteractionDeps, bundle: Bundle): Promise<InteractionResult> {
  const items: Submitted[] = [];
  const paths: string[] = [];
  const fullUrls: (string | undefined)[] = [];
  const provenances: Provenance[] = [];
  for (const [i, entry] of (bundle.entry ?? []).entries()) {
    const resource = localizeReferences(deps.baseUrl, entry?.resource) as Resource | undefined;
    const at = `Parameters.parameter[0].resource.entry[${i}].resource`;
    if (resource?.resourceType === 'Provenance') {
      provenances.push(resource);
      continue;
    }
    if (!resource || !(resource.resourceType in ITEM_STATUS)) {
      throw badRequest(`Entry ${i + 1} is ${resource?.resourceType ?? 'not a resource'}; a measurement holds Observation, QuestionnaireResponse, Media and Provenance`, [at]);
    }
    const item = resource as Submitted;
    if (item.status !== ITEM_STATUS[item.resourceType]) {
      throw businessRule(`A submitted ${item.resourceType} must have status ${ITEM_STATUS[item.resourceType]}, got '${item.status}'`, `${at}.status`);
    }
    items.push(withKolibriEpisode(item));
    paths.push(at);
    fullUrls.push(typeof entry.fullUrl === 'string' && /^urn:(uuid|oid):/.test(entry.fullUrl) ? entry.fullUrl : undefined);
  }
  if (items.length === 0) throw badRequest('The measurement holds no Observation, QuestionnaireResponse or Media', ['Parameters.parameter[0].resource']);
  const patients = new Set(items.map((item) => localId(deps.baseUrl, item.subject?.reference, 'Patient')));
  const patientId = [...patients][0];
  if (patients.size !== 1 || !patientId) throw businessRule('All resources of a measurement must refer to the same Patient (subject)', 'Parameters.parameter[0].resource.entry.resource.subject');
  const known = new Set(fullUrls.filter((u): u is string => !!u));
  for (const [i, p] of provenances.entries()) {
    const targets = (p.target ?? []).map((t) => t.reference ?? '');
    if (targets.length === 0 || targets.some((t) => !known.has(t))) {
      throw businessRule(`Provenance ${i + 1} must target other resources of the Bundle by their urn:uuid or urn:oid fullUrl`, 'Provenance.target');
    }
  }
  const images = new Map<string, Binary>();
  const stored = items.map((item, i) => {
    const inline = item.resourceType === 'Media' ? inlineImage(item, patientId, deps.limits.binary, paths[i]) : undefined;
    if (!inline) return item;
    images.set(inline.fullUrl, inline.binary);
    return inline.media;
  });
  return submitItems(deps, patientId, stored, {
    fullUrls,
    images,
    more: (urls) => ({ caller: provenances, server: [submissionProvenance(deps, urls)] }),
  });
}

/** The server's record of one submission: every item as target, the caller as agent. */
function submissionProvenance(deps: InteractionDeps, itemUrls: readonly string[]): Provenance {
  return {
    resourceType: 'Provenance',
    target: itemUrls.map((reference) => ({ reference })),
    recorded: deps.clock.now().toISOString(),
    activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'CREATE', display: 'create' }], text: 'measurement submitted' },
    agent: callerAgents(deps.access.auth),
  };
}
