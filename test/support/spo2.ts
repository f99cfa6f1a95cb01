import type { Observation } from '@medplum/fhirtypes';
import { HISTORICAL_IMPORT_TAG } from '../../src/telemedicine/triage-required';

/** NPU, the Danish laboratory and measurement code system (SpO2 NPU03011). */
export const NPU = 'urn:oid:1.2.208.176.2.1';

/**
 * A home SpO2 measurement of `patient` (value in %), as the access tests store it: tagged as a
 * historical import, so system clients may write it with a plain create even for a patient in
 * home monitoring (others are refused: src/telemedicine/triage-required.ts).
 */
export function spo2Observation(patient: string, value: number): Observation {
  return {
    resourceType: 'Observation',
    meta: { tag: [{ ...HISTORICAL_IMPORT_TAG }] },
    status: 'final',
    code: { coding: [{ system: NPU, code: 'NPU03011' }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2026-05-01T08:00:00Z',
    valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  };
}
