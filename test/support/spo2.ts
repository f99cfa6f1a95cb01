import type { Observation } from '@medplum/fhirtypes';

/** NPU, the Danish laboratory and measurement code system (SpO2 NPU03011). */
export const NPU = 'urn:oid:1.2.208.176.2.1';

/** A home SpO2 measurement of `patient` (value in %), as the access tests store it. */
export function spo2Observation(patient: string, value: number): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: NPU, code: 'NPU03011' }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2026-05-01T08:00:00Z',
    valueQuantity: { value, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  };
}
