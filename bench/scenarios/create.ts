// https://hl7.org/fhir/R4/http.html#create
import { randomUUID } from 'node:crypto';
import type { Observation } from '@medplum/fhirtypes';
import { HISTORICAL_IMPORT_TAG } from '../../src/telemedicine/triage-required';
import { rawInsert } from '../calibrate';
import { measureHttp } from '../load';
import type { Scenario } from './scenario';

/**
 * A home SpO2 measurement: NPU code from the Danish national terminology
 * (urn:oid:1.2.208.176.2.1), percent in UCUM, the patient as subject. The bench patient is in
 * home monitoring, where new measurements go through $submit-measurement (triaged); the plain
 * create measured here is the bench system client importing history, so it carries the
 * historical-import tag (src/telemedicine/triage-required.ts).
 */
export const spo2Observation: Observation = {
  resourceType: 'Observation',
  meta: { tag: [{ ...HISTORICAL_IMPORT_TAG }] },
  status: 'final',
  category: [
    {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }],
    },
  ],
  code: {
    coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011', display: 'O2 sat.;Hb(aB)' }],
    text: 'Iltmætning',
  },
  subject: { reference: `Patient/${randomUUID()}` },
  effectiveDateTime: '2026-05-01T08:30:00+02:00',
  valueQuantity: { value: 94, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
  device: { display: 'Nonin 3230 Bluetooth pulse oximeter' },
};

/** The Observation above about `patientId` (the seeded patient the bench client may reach). */
export function spo2For(patientId: string): Observation {
  return { ...spo2Observation, subject: { reference: `Patient/${patientId}` } };
}

/** The JSON the server stores for the Observation above: id and meta first, as the store writes them. */
export function storedJson(id: string, lastUpdated: string): string {
  const { resourceType, meta, ...rest } = spo2Observation;
  return JSON.stringify({ resourceType, id, meta: { versionId: '1', lastUpdated, ...meta }, ...rest });
}

/**
 * POST /fhir/Observation with the bench client's token: authentication, access check, validation,
 * one transaction (current + history + index rows), audit record, 201 with the resource.
 */
export const createScenario: Scenario = {
  name: 'create',
  description: 'POST /fhir/Observation of an imported home SpO2 measurement',
  concurrency: [1, 32],
  baseline: { key: 'insert-observation', workload: (c) => rawInsert(storedJson, 'Observation', c.observationIndex) },
  measure: (context, concurrency) =>
    measureHttp(
      'create',
      {
        method: 'POST',
        url: `${context.serverUrl}/fhir/Observation`,
        headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
        body: JSON.stringify(spo2For(context.patientId)),
        expectStatus: 201,
      },
      concurrency,
      context.timing,
    ),
};
