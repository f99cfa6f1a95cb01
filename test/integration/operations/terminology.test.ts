import { nonCprUuid } from '../../support/ids';
import { createTestApp, type TestApp } from '../../support/app';

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };
const GENDER_VS = 'http://hl7.org/fhir/ValueSet/administrative-gender';
const GENDER = 'http://hl7.org/fhir/administrative-gender';

type Params = { resourceType: string; parameter: Array<{ name: string; valueBoolean?: boolean; valueString?: string; valueCode?: string; part?: Array<Record<string, unknown>> }> };
const param = (p: Params, name: string) => p.parameter.find((x) => x.name === name);

/** The R4 terminology operations and StructureDefinition/$snapshot over held definitions. */
describe('terminology operations', () => {
  let t: TestApp;
  const tag = nonCprUuid().slice(0, 8);
  const csUrl = `http://kolibri.test/CodeSystem/severity-${tag}`;
  const vsUrl = `http://kolibri.test/ValueSet/severity-${tag}`;
  const cmUrl = `http://kolibri.test/ConceptMap/severity-${tag}`;
  let csId = '';
  let vsId = '';
  let cmId = '';

  beforeAll(async () => {
    t = await createTestApp();
    const post = async (r: Record<string, unknown>) => {
      const res = await t.app.inject({ method: 'POST', url: `/fhir/${r.resourceType}`, headers: JSON_HEADERS, payload: r });
      expect([r.resourceType, res.statusCode]).toEqual([r.resourceType, 201]);
      return res.json().id as string;
    };
    csId = await post({
      resourceType: 'CodeSystem',
      url: csUrl,
      name: 'Severity',
      version: '1',
      status: 'active',
      content: 'complete',
      hierarchyMeaning: 'is-a',
      concept: [
        {
          code: 'bad',
          display: 'Bad',
          designation: [{ language: 'da', value: 'Dårlig' }],
          concept: [
            { code: 'worse', display: 'Worse', concept: [{ code: 'worst', display: 'Worst' }] },
            { code: 'awful', display: 'Awful', property: [{ code: 'rank', valueInteger: 3 }] },
          ],
        },
        { code: 'fine', display: 'Fine' },
      ],
    });
    vsId = await post({
      resourceType: 'ValueSet',
      url: vsUrl,
      status: 'active',
      compose: { include: [{ system: csUrl, filter: [{ property: 'concept', op: 'is-a', value: 'worse' }] }, { system: csUrl, concept: [{ code: 'fine' }] }] },
    });
    cmId = await post({
      resourceType: 'ConceptMap',
      url: cmUrl,
      status: 'active',
      sourceUri: vsUrl,
      targetUri: GENDER_VS,
      group: [{ source: csUrl, target: GENDER, element: [{ code: 'fine', target: [{ code: 'unknown', display: 'Unknown', equivalence: 'wider' }] }] }],
    });
  }, 60_000);
  afterAll(() => t.close());

  const get = (url: string) => t.app.inject({ method: 'GET', url });
  const post = (url: string, parameter: unknown[]) => t.app.inject({ method: 'POST', url, headers: JSON_HEADERS, payload: { resourceType: 'Parameters', parameter } });
  const codes = (vs: { expansion: { contains: Array<{ code: string }> } }) => vs.expansion.contains.map((c) => c.code);

  describe('ValueSet/$expand', () => {
    it('expands an R4 base value set by url, with displays and total', async () => {
      const res = await get(`/fhir/ValueSet/$expand?url=${encodeURIComponent(GENDER_VS)}`);
      expect(res.statusCode).toBe(200);
      const vs = res.json();
      expect(vs.resourceType).toBe('ValueSet');
      expect(vs.expansion.total).toBe(4);
      expect(vs.expansion.contains).toContainEqual({ system: GENDER, code: 'female', display: 'Female' });
    });

    it('expands a stored value set by instance with is-a filters, and pages and filters the result', async () => {
      expect(codes((await get(`/fhir/ValueSet/${vsId}/$expand`)).json())).toEqual(['fine', 'worse', 'worst']);
      const page = (await get(`/fhir/ValueSet/$expand?url=${encodeURIComponent(vsUrl)}&count=1&offset=1`)).json();
      expect([page.expansion.total, page.expansion.offset, codes(page)]).toEqual([3, 1, ['worse']]);
      expect(codes((await get(`/fhir/ValueSet/${vsId}/$expand?filter=WOR`)).json())).toEqual(['worse', 'worst']);
    });

    it('takes a POSTed Parameters, with the url or the ValueSet itself', async () => {
      expect(codes((await post('/fhir/ValueSet/$expand', [{ name: 'url', valueUri: vsUrl }, { name: 'count', valueInteger: 2 }])).json())).toEqual(['fine', 'worse']);
      const inline = { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: csUrl, concept: [{ code: 'awful' }] }] } };
      const res = await post('/fhir/ValueSet/$expand', [{ name: 'valueSet', resource: inline }]);
      expect(res.json().expansion.contains).toEqual([{ system: csUrl, code: 'awful', display: 'Awful' }]);
    });

    it('answers a value set it cannot expand with 422 too-costly, and bad input with 4xx', async () => {
      const snomed = await get(`/fhir/ValueSet/$expand?url=${encodeURIComponent('http://hl7.org/fhir/ValueSet/clinical-findings')}`);
      expect(snomed.statusCode).toBe(422);
      expect(snomed.json().issue[0].code).toBe('too-costly');
      expect((await get('/fhir/ValueSet/$expand')).statusCode).toBe(400);
      expect((await get(`/fhir/ValueSet/$expand?url=${encodeURIComponent(vsUrl)}&count=-1`)).statusCode).toBe(400);
      expect((await get('/fhir/ValueSet/$expand?url=http://kolibri.test/ValueSet/none')).statusCode).toBe(404);
      expect((await get(`/fhir/ValueSet/${nonCprUuid()}/$expand`)).statusCode).toBe(404);
      expect((await t.app.inject({ method: 'POST', url: '/fhir/ValueSet/$expand', headers: JSON_HEADERS, payload: { resourceType: 'Patient' } })).statusCode).toBe(400);
      // malformed Parameters and malformed resources inside them are refused before anything reads them
      for (const payload of [
        { resourceType: 'Parameters', parameter: { name: 'url' } },
        { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: 5 } } }] },
        { resourceType: 'Parameters', parameter: [{ name: 'count', valueInteger: 'many' }] },
      ]) {
        const res = await t.app.inject({ method: 'POST', url: '/fhir/ValueSet/$expand', headers: JSON_HEADERS, payload });
        expect([JSON.stringify(payload), res.statusCode >= 400 && res.statusCode < 500, res.json().resourceType]).toEqual([JSON.stringify(payload), true, 'OperationOutcome']);
      }
    });
  });

  describe('ValueSet/$validate-code', () => {
    it('says whether a code, coding or codeableConcept is in the value set, with its display', async () => {
      const ok = (await get(`/fhir/ValueSet/$validate-code?url=${encodeURIComponent(GENDER_VS)}&system=${encodeURIComponent(GENDER)}&code=male`)).json();
      expect([param(ok, 'result')?.valueBoolean, param(ok, 'display')?.valueString]).toEqual([true, 'Male']);
      const not = (await get(`/fhir/ValueSet/${vsId}/$validate-code?system=${encodeURIComponent(csUrl)}&code=awful`)).json();
      expect(param(not, 'result')?.valueBoolean).toBe(false);
      expect(param(not, 'message')?.valueString).toMatch(/not in the value set/);
      const concept = { coding: [{ system: csUrl, code: 'awful' }, { system: csUrl, code: 'worst' }] };
      const cc = (await post(`/fhir/ValueSet/${vsId}/$validate-code`, [{ name: 'codeableConcept', valueCodeableConcept: concept }])).json();
      expect([param(cc, 'result')?.valueBoolean, param(cc, 'display')?.valueString]).toEqual([true, 'Worst']);
      const wrong = (await post('/fhir/ValueSet/$validate-code', [{ name: 'url', valueUri: vsUrl }, { name: 'coding', valueCoding: { system: csUrl, code: 'fine', display: 'Great' } }])).json();
      expect(param(wrong, 'result')?.valueBoolean).toBe(false);
    });

    it('refuses a code without system, or two ways of giving the code', async () => {
      expect((await get(`/fhir/ValueSet/${vsId}/$validate-code?code=fine`)).statusCode).toBe(400);
      expect((await get(`/fhir/ValueSet/${vsId}/$validate-code?code=fine&system=x&coding=x|fine`)).statusCode).toBe(400);
    });
  });

  describe('CodeSystem operations', () => {
    it('$lookup: name, version, display, designation and property', async () => {
      const bad = (await get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(csUrl)}&code=bad`)).json();
      expect([param(bad, 'name')?.valueString, param(bad, 'version')?.valueString, param(bad, 'display')?.valueString]).toEqual(['Severity', '1', 'Bad']);
      expect(param(bad, 'designation')?.part).toEqual([{ name: 'language', valueCode: 'da' }, { name: 'value', valueString: 'Dårlig' }]);
      const awful = (await post('/fhir/CodeSystem/$lookup', [{ name: 'coding', valueCoding: { system: csUrl, code: 'awful' } }])).json();
      expect(param(awful, 'property')?.part).toEqual([{ name: 'code', valueCode: 'rank' }, { name: 'value', valueInteger: 3 }]);
      expect((await get(`/fhir/CodeSystem/$lookup?system=${encodeURIComponent(csUrl)}&code=nope`)).statusCode).toBe(404);
      expect((await get('/fhir/CodeSystem/$lookup?system=http://kolibri.test/none&code=x')).statusCode).toBe(404);
      expect((await get('/fhir/CodeSystem/$lookup?code=x')).statusCode).toBe(400);
    });

    it('$validate-code by url and by instance', async () => {
      const ok = (await get(`/fhir/CodeSystem/$validate-code?url=${encodeURIComponent(csUrl)}&code=worst`)).json();
      expect([param(ok, 'result')?.valueBoolean, param(ok, 'display')?.valueString]).toEqual([true, 'Worst']);
      const not = (await get(`/fhir/CodeSystem/${csId}/$validate-code?code=nope`)).json();
      expect(param(not, 'result')?.valueBoolean).toBe(false);
      const display = (await get(`/fhir/CodeSystem/${csId}/$validate-code?code=fine&display=Okay`)).json();
      expect(param(display, 'result')?.valueBoolean).toBe(false);
    });

    it('$subsumes over the concept hierarchy', async () => {
      const outcome = async (a: string, b: string) => param((await get(`/fhir/CodeSystem/$subsumes?system=${encodeURIComponent(csUrl)}&codeA=${a}&codeB=${b}`)).json(), 'outcome')?.valueCode;
      expect(await outcome('bad', 'worst')).toBe('subsumes');
      expect(await outcome('worst', 'worse')).toBe('subsumed-by');
      expect(await outcome('awful', 'awful')).toBe('equivalent');
      expect(await outcome('fine', 'bad')).toBe('not-subsumed');
      const viaInstance = await post(`/fhir/CodeSystem/${csId}/$subsumes`, [{ name: 'codingA', valueCoding: { system: csUrl, code: 'bad' } }, { name: 'codingB', valueCoding: { system: csUrl, code: 'awful' } }]);
      expect(param(viaInstance.json(), 'outcome')?.valueCode).toBe('subsumes');
      expect((await get(`/fhir/CodeSystem/$subsumes?system=${encodeURIComponent(csUrl)}&codeA=bad`)).statusCode).toBe(400);
      expect((await get(`/fhir/CodeSystem/$subsumes?system=${encodeURIComponent(csUrl)}&codeA=bad&codeB=nope`)).statusCode).toBe(404);
    });
  });

  describe('ConceptMap/$translate', () => {
    it('translates by url and by instance, forwards and in reverse', async () => {
      const res = (await get(`/fhir/ConceptMap/$translate?url=${encodeURIComponent(cmUrl)}&system=${encodeURIComponent(csUrl)}&code=fine`)).json();
      expect(param(res, 'result')?.valueBoolean).toBe(true);
      expect(param(res, 'match')?.part).toEqual([
        { name: 'equivalence', valueCode: 'wider' },
        { name: 'concept', valueCoding: { system: GENDER, code: 'unknown', display: 'Unknown' } },
        { name: 'source', valueUri: cmUrl },
      ]);
      const back = (await post(`/fhir/ConceptMap/${cmId}/$translate`, [{ name: 'coding', valueCoding: { system: GENDER, code: 'unknown' } }, { name: 'reverse', valueBoolean: true }])).json();
      expect(param(back, 'match')?.part?.[1]).toEqual({ name: 'concept', valueCoding: { system: csUrl, code: 'fine' } });
      const none = (await get(`/fhir/ConceptMap/${cmId}/$translate?system=${encodeURIComponent(csUrl)}&code=bad`)).json();
      expect([param(none, 'result')?.valueBoolean, param(none, 'match')]).toEqual([false, undefined]);
      const otherTarget = (await get(`/fhir/ConceptMap/${cmId}/$translate?system=${encodeURIComponent(csUrl)}&code=fine&target=http://kolibri.test/other`)).json();
      expect(param(otherTarget, 'result')?.valueBoolean).toBe(false);
      expect((await get('/fhir/ConceptMap/$translate?code=fine')).statusCode).toBe(400);
      expect((await get(`/fhir/ConceptMap/$translate?url=http://kolibri.test/none&system=x&code=y`)).statusCode).toBe(404);
    });
  });

  it('ConceptMap/$translate without a named map consults the stored maps that map the code', async () => {
    const any = (await get(`/fhir/ConceptMap/$translate?system=${encodeURIComponent(csUrl)}&code=fine`)).json();
    expect(param(any, 'result')?.valueBoolean).toBe(true);
    expect(param(any, 'match')?.part?.[2]).toEqual({ name: 'source', valueUri: cmUrl });
    const back = (await get(`/fhir/ConceptMap/$translate?system=${encodeURIComponent(GENDER)}&code=unknown&reverse=true&target=${encodeURIComponent(vsUrl)}`)).json();
    expect(param(back, 'match')?.part?.[1]).toEqual({ name: 'concept', valueCoding: { system: csUrl, code: 'fine' } });
    const none = (await get(`/fhir/ConceptMap/$translate?system=${encodeURIComponent(csUrl)}&code=worst`)).json();
    expect([param(none, 'result')?.valueBoolean, param(none, 'message')?.valueString]).toEqual([false, `${csUrl}|worst has no mapping in any ConceptMap held here`]);
  });

  it('an operation defined for other types answers 404', async () => {
    expect((await get('/fhir/Patient/$validate-code?code=a&system=b')).statusCode).toBe(404);
    expect((await get('/fhir/Observation/$expand?url=x')).statusCode).toBe(404);
  });

  describe('StructureDefinition/$snapshot', () => {
    const profile = {
      resourceType: 'StructureDefinition',
      url: `http://kolibri.test/StructureDefinition/obs-${tag}`,
      name: 'Obs',
      status: 'draft',
      kind: 'resource',
      abstract: false,
      type: 'Observation',
      baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
      derivation: 'constraint',
      differential: { element: [{ id: 'Observation.subject', path: 'Observation.subject', min: 1 }] },
    };

    it('generates the snapshot of a posted definition', async () => {
      const res = await post('/fhir/StructureDefinition/$snapshot', [{ name: 'definition', resource: profile }]);
      expect(res.statusCode).toBe(200);
      const subject = res.json().snapshot.element.find((e: { id: string }) => e.id === 'Observation.subject');
      expect(subject.min).toBe(1);
      expect(res.json().snapshot.element.find((e: { id: string }) => e.id === 'Observation.status').min).toBe(1);
    });

    it('returns a base definition by url and answers a broken one with 422', async () => {
      const base = await get('/fhir/StructureDefinition/$snapshot?url=http://hl7.org/fhir/StructureDefinition/Patient');
      expect(base.statusCode).toBe(200);
      expect(base.json().snapshot.element[0].id).toBe('Patient');
      const broken = { ...profile, baseDefinition: 'http://kolibri.test/StructureDefinition/none' };
      expect((await post('/fhir/StructureDefinition/$snapshot', [{ name: 'definition', resource: broken }])).statusCode).toBe(422);
      expect((await get('/fhir/StructureDefinition/$snapshot')).statusCode).toBe(400);
    });
  });

  // that their R4 OperationDefinitions are served is checked with the built-in definitions (validation/conformance-resources)
  it('declares the operations with their R4 canonicals', async () => {
    const cs = (await get('/fhir/metadata')).json();
    const ops = (type: string) => cs.rest[0].resource.find((r: { type: string }) => r.type === type).operation.map((o: { definition: string }) => o.definition);
    expect(ops('ValueSet')).toEqual(expect.arrayContaining(['http://hl7.org/fhir/OperationDefinition/ValueSet-expand', 'http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code']));
    expect(ops('CodeSystem')).toEqual(expect.arrayContaining(['lookup', 'validate-code', 'subsumes'].map((n) => `http://hl7.org/fhir/OperationDefinition/CodeSystem-${n}`)));
    expect(ops('ConceptMap')).toContain('http://hl7.org/fhir/OperationDefinition/ConceptMap-translate');
    expect(ops('StructureDefinition')).toContain('http://hl7.org/fhir/OperationDefinition/StructureDefinition-snapshot');
  });
});
