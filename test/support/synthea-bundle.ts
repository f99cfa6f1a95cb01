import { nonCprUuid } from './ids';

type Json = Record<string, unknown>;

/**
 * A Synthea-style patient transaction bundle: one Patient, Practitioner and Organization, and
 * per encounter a few Observations (vital signs, with components), a Condition and a
 * CarePlan, all joined by `urn:uuid:` references as Synthea writes them.
 */
export function syntheaBundle(encounters: number, observationsPerEncounter = 3): { resourceType: 'Bundle'; type: 'transaction'; entry: Json[] } {
  const entry: Json[] = [];
  const add = (resource: Json): string => {
    const fullUrl = `urn:uuid:${nonCprUuid()}`;
    entry.push({ fullUrl, resource, request: { method: 'POST', url: resource.resourceType } });
    return fullUrl;
  };
  const organization = add({ resourceType: 'Organization', name: 'Region Hovedstaden', identifier: [{ system: 'urn:oid:1.2.208.176.1.1', value: nonCprUuid() }] });
  const practitioner = add({ resourceType: 'Practitioner', name: [{ family: 'Lund', given: ['Mette'] }] });
  const patient = add({
    resourceType: 'Patient',
    identifier: [{ system: 'https://github.com/synthetichealth/synthea', value: nonCprUuid() }],
    name: [{ use: 'official', family: 'Jørgensen', given: ['Karen'] }],
    gender: 'female',
    birthDate: '1948-02-11',
    managingOrganization: { reference: organization },
    generalPractitioner: [{ reference: practitioner }],
  });
  for (let e = 0; e < encounters; e++) {
    const day = new Date(Date.UTC(2025, 0, 1 + e)).toISOString();
    const encounter = add({
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HH' },
      subject: { reference: patient },
      participant: [{ individual: { reference: practitioner } }],
      serviceProvider: { reference: organization },
      period: { start: day, end: day },
    });
    const condition = add({
      resourceType: 'Condition',
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code: '13645005', display: 'COPD' }] },
      subject: { reference: patient },
      encounter: { reference: encounter },
    });
    const observations: string[] = [];
    for (let o = 0; o < observationsPerEncounter; o++) {
      observations.push(
        add({
          resourceType: 'Observation',
          status: 'final',
          category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
          code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }] },
          subject: { reference: patient },
          encounter: { reference: encounter },
          performer: [{ reference: practitioner }],
          effectiveDateTime: day,
          component: [
            { code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] }, valueQuantity: { value: 120 + o, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
            { code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] }, valueQuantity: { value: 80 + o, unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
          ],
        }),
      );
    }
    add({
      resourceType: 'CarePlan',
      status: 'active',
      intent: 'order',
      subject: { reference: patient },
      encounter: { reference: encounter },
      addresses: [{ reference: condition }],
      supportingInfo: observations.map((reference) => ({ reference })),
      activity: [{ detail: { status: 'in-progress', kind: 'ServiceRequest', performer: [{ reference: practitioner }], reasonReference: [{ reference: condition }] } }],
    });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/** Every Reference.reference string in a JSON value (plain walk, for checking results). */
export function referencesIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => referencesIn(v, found));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string') found.push(v);
      else referencesIn(v, found);
    }
  }
  return found;
}
