import type { Identifier, Patient } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcome';
import { create } from '../interactions/create';
import type { InteractionDeps, InteractionResult } from '../interactions/types';
import { callerSearch } from './caller-search';
import type { FutOperationSpec } from './operation-definition';

const CPR = 'urn:oid:1.2.208.176.1.2';

/**
 * `Patient/$createPatient` (FUT): the Patient with a CPR number — the one the caller already
 * reaches (200), else a new one created as the caller's ordinary create (201; the care model
 * then binds it to the caller's organization). Kolibri has no national registry to look the
 * person up in: the new Patient holds the CPR identifier only, and earlier CPR numbers of the same
 * person are not followed. A Patient another organization registered is not found, exactly as
 * one that does not exist.
 */
export const createPatientSpec: FutOperationSpec = {
  id: 'ehealth-patient-create',
  code: 'createPatient',
  title: 'Create patient',
  description: `Returns the Patient with this CPR number (identifier system ${CPR}) the caller can read, or creates one holding the identifier (201). No national registry is consulted: name, address and earlier CPR numbers are not filled in.`,
  level: 'type',
  types: ['Patient'],
  methods: ['POST'],
  affectsState: true,
  inputs: [{ name: 'crn', type: 'Identifier', min: 1, max: '1', documentation: `The person's CPR number: system ${CPR}, value 10 digits.` }],
  output: { name: 'return', type: 'Patient', documentation: 'The existing or created Patient.' },
  run: ({ deps }, inputs) => createPatient(deps, inputs.get('crn')?.[0] as Identifier),
};

async function createPatient(deps: InteractionDeps, crn: Identifier): Promise<InteractionResult> {
  if (crn.system !== CPR) throw badRequest(`crn.system must be ${CPR}, got '${crn.system ?? ''}'`, ['crn.system']);
  if (!/^\d{10}$/.test(crn.value ?? '')) throw badRequest('crn.value must be a CPR number of 10 digits', ['crn.value']);
  const found = await callerSearch<Patient>(deps, 'Patient', [['identifier', `${CPR}|${crn.value}`], ['_count', '2']]);
  if (found.length > 0) return { status: 200, body: found[0] };
  const result = await create(deps, 'Patient', { resourceType: 'Patient', identifier: [{ system: CPR, value: crn.value }] });
  return result;
}
