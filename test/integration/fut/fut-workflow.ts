import type { Observation } from '@medplum/fhirtypes';
import type { LightMyRequestResponse } from 'fastify';
import { futModule } from '../../../src/fut/module';
import type { BinaryLimits } from '../../../src/http/binary-body';
import { TEST_BASE_URL } from '../../support/app';
import { copdWorkflow, type CopdWorkflow } from '../telemedicine/workflow/copd-workflow';

/** The COPD workflow with FUT's OperationDefinitions stored, and requests shaped as FUT clients send them. */
export interface FutWorkflow extends CopdWorkflow {
  /** An absolute URL at the test server's base, as FUT clients name resources. */
  url(reference: string): string;
  /** An Observation as FUT's citizen client builds it: ehealth profile, workflow-episodeOfCare, absolute references. */
  futObservation(code: string, unit: string, value: number, at: string): Observation;
  /** POST [base]/$submit-measurement with Parameters.measurement. */
  submitFut(token: string, entries: Array<{ fullUrl?: string; resource: object }>): Promise<LightMyRequestResponse>;
  call(token: string, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<LightMyRequestResponse>;
}

export async function futWorkflow(u: string, binary?: BinaryLimits): Promise<FutWorkflow> {
  const w = await copdWorkflow(u, binary);
  await futModule().loadTemplates?.(w.t.services.interactions, []);
  const url = (reference: string) => `${TEST_BASE_URL}/${reference}`;
  const call = (token: string, method: 'GET' | 'POST', path: string, payload?: unknown) =>
    w.t.app.inject({ method, url: path, headers: w.as(token), ...(payload === undefined ? {} : { payload: payload as object }) });
  return {
    ...w,
    url,
    call,
    futObservation: (code, unit, value, at) => ({
      resourceType: 'Observation',
      meta: { profile: ['http://ehealth.sundhed.dk/fhir/StructureDefinition/ehealth-observation'] },
      extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/workflow-episodeOfCare', valueReference: { reference: url(`EpisodeOfCare/${w.ids.eoc}`) } }],
      basedOn: [{ reference: url(`ServiceRequest/${w.sr[code]}`) }],
      status: 'final',
      code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code, display: code }] },
      subject: { reference: url(`Patient/${w.ids.patient}`) },
      effectiveDateTime: at,
      valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    }),
    submitFut: (token, entries) =>
      call(token, 'POST', '/fhir/$submit-measurement', {
        resourceType: 'Parameters',
        parameter: [{ name: 'measurement', resource: { resourceType: 'Bundle', type: 'transaction', entry: entries.map((e) => ({ ...e, request: { method: 'POST', url: (e.resource as { resourceType: string }).resourceType } })) } }],
      }),
  };
}
