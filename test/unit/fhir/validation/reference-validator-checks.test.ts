import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { createValidator, type ResourceValidator } from '../../../../src/fhir/validation/validator';
import { checkXhtml } from '../../../../src/fhir/validation/xhtml';

const NS = 'xmlns="http://www.w3.org/1999/xhtml"';
const obs = { resourceType: 'Observation', status: 'final', code: { text: 'x' } };
const errors = (issues: { severity: string; diagnostics: string }[]) => issues.filter((i) => i.severity === 'error').map((i) => i.diagnostics);

describe('checks the HL7 reference validator makes', () => {
  let validator: ResourceValidator;
  beforeAll(() => {
    validator = createValidator(loadDefinitions());
  });

  describe('%rootResource of nested resources', () => {
    const withContained = { ...obs, contained: [{ resourceType: 'Patient', id: 'p1' }], subject: { reference: '#p1' } };

    it('a resource in Parameters.parameter.resource resolves #id against its own contained (no false ref-1)', () => {
      expect(validator.validate({ resourceType: 'Parameters', parameter: [{ name: 'resource', resource: withContained }] })).toEqual([]);
    });

    it('a Bundle entry resolves #id against its own contained', () => {
      const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:6a1ba3a4-6d0b-4b44-9a4c-2a4b3c6f0a01', resource: withContained }] };
      expect(validator.validate(bundle)).toEqual([]);
    });

    it('still raises ref-1 for a dangling #id inside a Bundle entry', () => {
      const dangling = { ...withContained, subject: { reference: '#p2' } };
      const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:6a1ba3a4-6d0b-4b44-9a4c-2a4b3c6f0a02', resource: dangling }] };
      expect(errors(validator.validate(bundle)).join('\n')).toMatch(/ref-1/);
    });
  });

  describe('contained resource ids', () => {
    const long = 'a'.repeat(65);

    it('a contained id over 64 characters is a warning, not an error', () => {
      const issues = validator.validate({ ...obs, contained: [{ resourceType: 'Patient', id: long }], subject: { reference: `#${long}` } });
      expect(issues.map((i) => [i.severity, i.expression?.[0]])).toEqual([['warning', 'Observation.contained[0].id']]);
    });

    it("the resource's own id over 64 characters stays an error", () => {
      expect(errors(validator.validate({ ...obs, id: long }))).toHaveLength(1);
    });
  });

  describe('narrative XHTML (txt-1, txt-2)', () => {
    const narrative = (div: string) => ({ resourceType: 'Patient', text: { status: 'generated', div } });

    it('accepts basic formatting, tables, links, images, entities and comments', () => {
      const div = `<div ${NS}><h1>T</h1><p class="x">A &amp; <b>b</b>&#160;<a href="https://x.org">l</a></p><!-- c --><table><tbody><tr><td colspan="2">1</td></tr></tbody></table><img src="#pic" alt="p"/><br/></div>`;
      expect(validator.validate(narrative(div))).toEqual([]);
    });

    it.each([
      [`<div ${NS}><script>alert(1)</script>x</div>`, "Illegal element name in the XHTML ('script')"],
      [`<div ${NS}><p onclick="steal()">x</p></div>`, "Illegal attribute name in the XHTML ('onclick' on 'p')"],
      [`<div ${NS}><form><input/></form>x</div>`, "Illegal element name in the XHTML ('form')"],
      [`<div ${NS}><a href="javascript:alert(1)">x</a></div>`, 'scripts are not allowed'],
      [`<div ${NS}><p>a<div>b</div></p></div>`, "inside in a paragraph in the XHTML ('div')"],
      [`<div><p>x</p></div>`, 'Wrong namespace on the XHTML'],
      [`<p ${NS}>x</p>`, "Wrong name on the XHTML ('p') - must start with div"],
      [`<div ${NS}>  <br/> </div>`, 'non-whitespace content (txt-2)'],
      [`<div ${NS}><p>x</div>`, 'not well-formed'],
      [`<div ${NS}>a & b</div>`, 'not well-formed'],
    ])('refuses %s on writes too', (div, message) => {
      const issues = validator.validate(narrative(div));
      expect(issues.map((i) => [i.severity, i.expression?.[0]])).toEqual([['error', 'Patient.text.div']]);
      expect(issues[0].diagnostics).toContain(message);
    });

    it('stops after a few problems', () => {
      expect(checkXhtml(`<div ${NS}>${'<blink>x</blink>'.repeat(50)}</div>`)).toHaveLength(5);
    });
  });

  describe('markup in strings (the security checks)', () => {
    const patient = { resourceType: 'Patient', name: [{ family: 'Hansen<img src=x onerror=alert(1)>' }] };

    it('is an error in $validate', () => {
      const issues = validator.validate(patient, { extended: true });
      expect(issues.map((i) => [i.severity, i.code, i.expression?.[0]])).toEqual([['error', 'security', 'Patient.name[0].family']]);
      expect(issues[0].diagnostics).toContain('looks like embedded HTML tags');
    });

    it('is not checked on writes, and text with < that is no tag passes $validate', () => {
      expect(validator.validate(patient)).toEqual([]);
      expect(validator.validate({ resourceType: 'Patient', name: [{ family: 'a < b <3' }] }, { extended: true })).toEqual([]);
    });
  });

  describe('extension contexts', () => {
    const birthDate = (url: string, value: Record<string, unknown>) => ({ resourceType: 'Patient', birthDate: '1970-01-01', _birthDate: { extension: [{ url, ...value }] } });
    const MAIDEN = 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName';
    const BIRTH_TIME = 'http://hl7.org/fhir/StructureDefinition/patient-birthTime';

    it('refuses on Patient.birthDate an extension whose context is Patient ($validate)', () => {
      const issues = validator.validate(birthDate(MAIDEN, { valueString: 'x' }), { extended: true });
      expect(errors(issues)).toEqual([
        `Patient._birthDate.extension[0]: The extension ${MAIDEN} is not allowed to be used at this point (allowed = element Patient; this element is Patient.birthDate)`,
      ]);
    });

    it('accepts an extension where its context allows it, on primitives and elements', () => {
      expect(validator.validate(birthDate(BIRTH_TIME, { valueDateTime: '1970-01-01T10:00:00+01:00' }), { extended: true })).toEqual([]);
      expect(validator.validate({ resourceType: 'Patient', extension: [{ url: MAIDEN, valueString: 'x' }] }, { extended: true })).toEqual([]);
    });

    it('refuses an extension on a datatype element outside its context', () => {
      const issues = validator.validate({ resourceType: 'Patient', name: [{ family: 'x', extension: [{ url: MAIDEN, valueString: 'x' }] }] }, { extended: true });
      expect(issues.map((i) => i.expression?.[0])).toEqual(['Patient.name[0].extension[0]']);
    });

    it('checks a primitive extension against its definition on writes too', () => {
      expect(errors(validator.validate(birthDate(BIRTH_TIME, { valueString: 'x' }))).join('\n')).toMatch(/value\[x\] only as dateTime/);
    });
  });

  describe('Bundles', () => {
    const patient = { resourceType: 'Patient', id: 'p1', meta: { versionId: '2' } };

    it('$validate reports one resource in two entries, whatever the fullUrls', () => {
      const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'http://a.org/fhir/Patient/p1', resource: patient }, { fullUrl: 'http://b.org/fhir/Patient/p1', resource: patient }] };
      expect(errors(validator.validate(bundle, { extended: true }))).toEqual([
        'Bundle.entry[1]: Duplicate resource Patient/p1 in the Bundle: entries [0] and [1] hold the same resource (type and id)',
      ]);
      const history = { ...bundle, type: 'history', entry: bundle.entry.map((e) => ({ ...e, request: { method: 'PUT', url: 'Patient/p1' }, response: { status: '200' } })) };
      expect(validator.validate(history, { extended: true })).toEqual([]);
    });

    it('a repeated fullUrl is bdl-7, on writes too', () => {
      const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'http://a.org/fhir/Patient/p1', resource: patient }, { fullUrl: 'http://a.org/fhir/Patient/p1', resource: patient }] };
      expect(errors(validator.validate(bundle)).join('\n')).toMatch(/bdl-7/);
    });

    it('$validate reports a versioned reference in a document to a version the document does not hold', () => {
      const composition = {
        resourceType: 'Composition',
        id: 'c1',
        status: 'final',
        type: { text: 'note' },
        date: '2026-01-01',
        author: [{ display: 'x' }],
        title: 't',
        subject: { reference: 'Patient/p1/_history/1' },
      };
      const doc = (ref: string) => ({
        resourceType: 'Bundle',
        type: 'document',
        identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0' },
        timestamp: '2026-01-01T00:00:00Z',
        entry: [
          { fullUrl: 'http://a.org/fhir/Composition/c1', resource: { ...composition, subject: { reference: ref } } },
          { fullUrl: 'http://a.org/fhir/Patient/p1', resource: patient },
        ],
      });
      expect(errors(validator.validate(doc('Patient/p1/_history/1'), { extended: true }))).toEqual([
        "Bundle.entry[0].resource.subject.reference: The reference 'Patient/p1/_history/1' is to version 1 of Patient/p1, but the document holds version 2 (Bundle.entry[1])",
      ]);
      expect(errors(validator.validate(doc('Patient/p1/_history/2'), { extended: true }))).toEqual([]);
    });
  });

  describe('Questionnaire enableWhen', () => {
    const questionnaire = (enableWhen: Record<string, unknown>) => ({
      resourceType: 'Questionnaire',
      status: 'active',
      item: [
        { linkId: 'g', type: 'group', item: [{ linkId: 'smoker', type: 'boolean', text: 'Smoker?' }] },
        { linkId: 'info', type: 'display', text: 'Info' },
        { linkId: 'count', type: 'integer', text: 'How many?', enableWhen: [enableWhen] },
      ],
    });

    it('accepts a rule on an answerable item with the right answer type', () => {
      expect(validator.validate(questionnaire({ question: 'smoker', operator: '=', answerBoolean: true }))).toEqual([]);
      expect(validator.validate(questionnaire({ question: 'smoker', operator: 'exists', answerBoolean: true }))).toEqual([]);
    });

    it.each([
      [{ question: 'nope', operator: '=', answerBoolean: true }, "Unable to find an item with the linkId 'nope'"],
      [{ question: 'g', operator: 'exists', answerBoolean: true }, 'a group item, which has no answers'],
      [{ question: 'info', operator: 'exists', answerBoolean: true }, 'a display item, which has no answers'],
      [{ question: 'count', operator: 'exists', answerBoolean: true }, 'refers to the item itself'],
      [{ question: 'smoker', operator: '=', answerString: 'yes' }, "compares 'smoker' (a boolean item) with answerString"],
    ])('refuses %j', (rule, message) => {
      const issues = validator.validate(questionnaire(rule));
      expect(issues.map((i) => [i.severity, i.expression?.[0]])).toEqual([['error', 'Questionnaire.item[2].enableWhen[0]']]);
      expect(issues[0].diagnostics).toContain(message);
    });
  });

  describe('Attachment.size', () => {
    const media = (size: number, data = 'aGVsbG8=') => ({
      resourceType: 'Media',
      status: 'completed',
      content: { contentType: 'text/plain', data, size },
    });

    it('must be the length of the decoded data', () => {
      expect(errors(validator.validate(media(5)))).toEqual([]);
      expect(errors(validator.validate(media(4, 'aGVsbA==')))).toEqual([]);
      expect(errors(validator.validate(media(6)))).toEqual(['Media.content.size: Stated Attachment Size 6 does not match actual attachment size 5']);
    });
  });

  it('keeps the rules that are right: a dateTime with a time needs a zone, a single interpretation object is STU3', () => {
    expect(errors(validator.validate({ ...obs, effectiveDateTime: '2026-01-01T10:00:00' }))).toHaveLength(1);
    expect(errors(validator.validate({ ...obs, interpretation: { text: 'high' } }))).toHaveLength(1);
  });
});
