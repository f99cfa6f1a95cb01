import { BundleUrls, parseConditionalReference } from '../../../src/fhir/references/bundle-urls';
import { ReferencePlans } from '../../../src/fhir/references/reference-plan';
import { visitReferences } from '../../../src/fhir/references/reference-walk';
import { testRegistry } from '../../support/app';

describe('reference rewriting (https://hl7.org/fhir/R4/http.html#trules)', () => {
  const plans = new ReferencePlans(testRegistry());
  const urls = new BundleUrls();
  urls.set('urn:uuid:p', 'Patient/1');
  urls.set('urn:uuid:d', 'Device/2');
  urls.set('http://example.org/fhir/Patient/a', 'Patient/3');
  const rewrite = (resource: Record<string, unknown>, fullUrl?: string) => {
    visitReferences(plans, resource, { reference: (v) => urls.reference(v, fullUrl), uri: (v) => urls.uri(v) });
    return resource as Record<string, any>;
  };

  it('rewrites Reference.reference in elements, lists, choice types and backbone elements', () => {
    const obs = rewrite({
      resourceType: 'Observation',
      subject: { reference: 'urn:uuid:p', display: 'urn:uuid:p' },
      performer: [{ reference: 'urn:uuid:d' }, { reference: 'Practitioner/9' }],
      component: [{ code: {}, valueString: 'urn:uuid:p' }],
      hasMember: [{ reference: 'urn:uuid:unknown' }],
      device: { reference: 'urn:uuid:d', identifier: { system: 'urn:uuid:p', value: 'urn:uuid:p' } },
    });
    expect(obs.subject).toEqual({ reference: 'Patient/1', display: 'urn:uuid:p' });
    expect(obs.performer).toEqual([{ reference: 'Device/2' }, { reference: 'Practitioner/9' }]);
    expect(obs.component[0].valueString).toBe('urn:uuid:p'); // a string element is not a uri
    expect(obs.hasMember[0].reference).toBe('urn:uuid:unknown');
    // Reference.identifier.system is a uri, its value a string.
    expect(obs.device.identifier).toEqual({ system: 'Patient/1', value: 'urn:uuid:p' });
  });

  it('reaches extensions (also on primitives), contained resources and nested resources', () => {
    const bundle = rewrite({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          resource: {
            resourceType: 'Patient',
            extension: [{ url: 'x', extension: [{ url: 'y', valueReference: { reference: 'urn:uuid:d' } }] }],
            _birthDate: { extension: [{ url: 'z', valueReference: { reference: 'urn:uuid:p' } }] },
            contained: [{ resourceType: 'Observation', subject: { reference: 'urn:uuid:p' } }],
          },
        },
      ],
    });
    const patient = bundle.entry[0].resource;
    expect(patient.extension[0].extension[0].valueReference.reference).toBe('Device/2');
    expect(patient._birthDate.extension[0].valueReference.reference).toBe('Patient/1');
    expect(patient.contained[0].subject.reference).toBe('Patient/1');
  });

  it('rewrites uri/url elements and narrative links that equal a fullUrl, never canonicals', () => {
    const plan = rewrite({
      resourceType: 'CarePlan',
      instantiatesUri: ['urn:uuid:p', 'http://other'],
      instantiatesCanonical: ['urn:uuid:p'],
      text: { status: 'generated', div: '<div><a href="urn:uuid:p">x</a><img src="urn:uuid:d"/><a href="urn:uuid:q">y</a></div>' },
    });
    expect(plan.instantiatesUri).toEqual(['Patient/1', 'http://other']);
    expect(plan.instantiatesCanonical).toEqual(['urn:uuid:p']);
    expect(plan.text.div).toBe('<div><a href="Patient/1">x</a><img src="Device/2"/><a href="urn:uuid:q">y</a></div>');
  });

  it('resolves relative references against the base of a RESTful fullUrl, and only then', () => {
    const mk = () => ({ resourceType: 'Observation', subject: { reference: 'Patient/a' } });
    expect(rewrite(mk(), 'http://example.org/fhir/Observation/o').subject.reference).toBe('Patient/3');
    expect(rewrite(mk(), 'urn:uuid:o').subject.reference).toBe('Patient/a');
    expect(rewrite(mk(), 'http://elsewhere/fhir/Observation/o').subject.reference).toBe('Patient/a');
  });

  it('recognises conditional references', () => {
    expect(parseConditionalReference('Patient?identifier=urn:oid:1.2|123')).toEqual({ type: 'Patient', query: 'identifier=urn:oid:1.2|123' });
    expect(parseConditionalReference('Patient/123')).toBeUndefined();
    expect(parseConditionalReference('urn:uuid:x')).toBeUndefined();
  });
});
