import { join } from 'node:path';
import type { ActivityDefinition, Questionnaire, QuestionnaireResponse, Resource, ValueSet } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../../src/fhir/definitions/load';
import { composeIncludedIn, INCLUDED_IN_EXTENSION } from '../../../src/fhir/definitions/included-in';
import { ValueSetExpander } from '../../../src/fhir/terminology/expand';
import { checkGroup, readGroups, readJsonFolder, type PatientGroup } from '../../../src/telemedicine/patient-groups';
import { readThresholds } from '../../../src/telemedicine/triage/thresholds';
import { triageResponse } from '../../../src/telemedicine/triage/questionnaire-triage';
import { triageValue } from '../../../src/telemedicine/triage/value-rule';

const PROFILES = join(__dirname, '..', '..', '..', 'fhir-profiles');
const groups = readGroups(PROFILES);
const group = (name: string) => groups.find((g) => g.name === name) as PatientGroup;
const find = <T extends Resource>(g: string, type: string, id: string) => group(g).resources.find((r) => r.resourceType === type && r.id === id) as T;
const thresholds = (g: string, id: string) => readThresholds(find<ActivityDefinition>(g, 'ActivityDefinition', id).extension);
const q = (value: number, code: string) => ({ value, unit: code, system: 'http://unitsofmeasure.org', code });
// the groups' templates and the shared ones (templates/: the self-management questionnaire)
const known = new Set([...groups.flatMap((g) => g.resources), ...readJsonFolder(join(PROFILES, 'templates'))].map((r) => `${r.resourceType} ${(r as { url?: string }).url}`));

describe('patient groups are folders of fhir-profiles/groups/', () => {
  it('ships the two original groups and diabetes, pregnancy with complications, IBD and wound care', () => {
    expect(groups.map((g) => g.name)).toEqual(['diabetes', 'hjertesvigt', 'ibd', 'kol', 'pregnancy-complications', 'wound-care']);
  });

  it.each(groups.map((g) => [g.name, g]))('group %s is complete (plan, diagnoses, measurements, every canonical it names)', (_name, g) => {
    expect(checkGroup(g as PatientGroup, known)).toEqual([]);
  });

  it('reports what an incomplete group lacks, naming the group', () => {
    const kol = group('kol');
    const broken: PatientGroup = { name: 'broken', resources: kol.resources.filter((r) => r.resourceType !== 'ValueSet' && r.id !== 'kol-spo2') };
    const issues = checkGroup(broken, new Set([...known].filter((k) => !k.endsWith('/kol-spo2'))));
    expect(issues.map((i) => i.diagnostics)).toEqual([
      'patient group broken: has no ValueSet of diagnoses (ext-included-in https://kolibri.dk/fhir/ValueSet/diagnoses)',
      'patient group broken: has no ValueSet of measurement codes (ext-included-in https://kolibri.dk/fhir/ValueSet/measurement-codes)',
      'patient group broken: PlanDefinition/kol-home-monitoring names ActivityDefinition https://kolibri.dk/fhir/ActivityDefinition/kol-spo2|1.0, which no template defines',
    ]);
  });

  it("reports an activity whose code is not among the group's measurement codes", () => {
    const kol = group('kol');
    const odd = { ...find<ActivityDefinition>('kol', 'ActivityDefinition', 'kol-pulse'), code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU22089' }] } };
    const issues = checkGroup({ name: 'kol', resources: kol.resources.map((r) => (r.id === 'kol-pulse' && r.resourceType === 'ActivityDefinition' ? odd : r)) }, known);
    expect(issues.map((i) => i.diagnostics)).toEqual(['patient group kol: ActivityDefinition/kol-pulse measures urn:oid:1.2.208.176.2.1|NPU22089, which is not in ValueSet/kol-measurements']);
  });
});

describe('the diagnoses binding opens per group (ext-included-in)', () => {
  it('adds each ValueSet naming another as one include of it, leaving the rest alone', () => {
    const umbrella: ValueSet = { resourceType: 'ValueSet', url: 'urn:x:all', status: 'active', compose: { include: [{ system: 'urn:s', concept: [{ code: 'a' }] }] } };
    const part = (url: string): ValueSet => ({ resourceType: 'ValueSet', url, status: 'active', extension: [{ url: INCLUDED_IN_EXTENSION, valueCanonical: 'urn:x:all|1.0' }] });
    const other: ValueSet = { resourceType: 'ValueSet', url: 'urn:x:other', status: 'active' };
    const [all, p1, p2, o] = composeIncludedIn([umbrella, part('urn:x:p1'), part('urn:x:p2'), other]);
    expect(all.compose?.include).toEqual([{ system: 'urn:s', concept: [{ code: 'a' }] }, { valueSet: ['urn:x:p1'] }, { valueSet: ['urn:x:p2'] }]);
    expect(umbrella.compose?.include).toHaveLength(1);
    expect([p1, p2, o]).toEqual([part('urn:x:p1'), part('urn:x:p2'), other]);
  });

  it("ValueSet/diagnoses expands to every group's diagnoses and nothing else", () => {
    const expansion = new ValueSetExpander(loadDefinitions({ profileDirs: [PROFILES] })).expand('https://kolibri.dk/fhir/ValueSet/diagnoses');
    const sks = 'urn:oid:1.2.208.176.2.4';
    for (const code of ['DJ44', 'DI50', 'DE10', 'DE11', 'DO14', 'DK50', 'DK51', 'DL89', 'DL97']) expect(expansion?.has(sks, code)).toBe(true);
    expect(expansion?.has(sks, 'DJ45')).toBe(false);
  });
});

describe('default thresholds of the new groups (inclusive alarm limits)', () => {
  it.each([
    [2.5, 'red'], [2.9, 'red'], [3.0, 'yellow'], [3.8, 'yellow'], [3.9, 'green'], [8, 'green'], [14.9, 'green'], [15, 'yellow'], [19.9, 'yellow'], [20, 'red'],
  ])('diabetes blood glucose %p mmol/L is %s', (value, colour) => {
    expect(triageValue('glucose', q(value, 'mmol/L'), thresholds('diabetes', 'diabetes-blood-glucose')).colour).toBe(colour);
  });

  const systolic = (g: string, id: string) => thresholds(g, id).filter((t) => t.code?.code === 'DNK05472');
  const diastolic = (g: string, id: string) => thresholds(g, id).filter((t) => t.code?.code === 'DNK05473');
  it.each([
    [120, 'green'], [139, 'green'], [140, 'yellow'], [159, 'yellow'], [160, 'red'], [90, 'yellow'], [80, 'red'],
  ])('pregnancy systolic %p mm[Hg] is %s', (value, colour) => {
    expect(triageValue('systolic', q(value, 'mm[Hg]'), systolic('pregnancy-complications', 'pregnancy-blood-pressure')).colour).toBe(colour);
  });
  it.each([
    [80, 'green'], [89, 'green'], [90, 'yellow'], [109, 'yellow'], [110, 'red'],
  ])('pregnancy diastolic %p mm[Hg] is %s', (value, colour) => {
    expect(triageValue('diastolic', q(value, 'mm[Hg]'), diastolic('pregnancy-complications', 'pregnancy-blood-pressure')).colour).toBe(colour);
  });
  it.each([
    [0, 'green'], [1, 'yellow'], [2, 'red'], [4, 'red'],
  ])('pregnancy urine protein dipstick grade %p is %s', (value, colour) => {
    expect(triageValue('urine protein', q(value, '{grade}'), thresholds('pregnancy-complications', 'pregnancy-urine-protein')).colour).toBe(colour);
  });
  it.each([
    [70, 'green'], [67.1, 'green'], [67, 'yellow'], [65.1, 'yellow'], [65, 'red'], [74, 'green'],
  ])('IBD weight %p kg against a 70 kg baseline is %s', (value, colour) => {
    expect(triageValue('weight', q(value, 'kg'), thresholds('ibd', 'ibd-weight'), { value: 70, unit: 'kg' }).colour).toBe(colour);
  });
  it.each([
    [157.1, 'green'], [160, 'green'], [162.9, 'green'], [163, 'yellow'], [157, 'yellow'], [150, 'yellow'],
  ])('diabetes weight %p kg against a 160 kg baseline is %s', (value, colour) => {
    expect(triageValue('weight', q(value, 'kg'), thresholds('diabetes', 'diabetes-weight'), { value: 160, unit: 'kg' }).colour).toBe(colour);
  });
});

describe('every questionnaire of a group triages by its answers', () => {
  const questionnaires = groups.flatMap((g) => g.resources.filter((r): r is Questionnaire => r.resourceType === 'Questionnaire').map((qn) => [qn.id, qn] as const));
  it.each(questionnaires)('%s has a red answer and an all-green response', (_id, questionnaire) => {
    const choice = (questionnaire.item ?? []).filter((i) => i.type === 'choice');
    const answerWith = (colour: string) => (item: (typeof choice)[number]) => item.answerOption?.find((o) => o.extension?.[0].valueCoding?.code === colour)?.valueCoding;
    const respond = (pick: (item: (typeof choice)[number]) => unknown): QuestionnaireResponse => ({
      resourceType: 'QuestionnaireResponse',
      status: 'completed',
      item: choice.map((item) => ({ linkId: item.linkId, answer: [{ valueCoding: pick(item) as never }] })),
    });
    expect(triageResponse(respond(answerWith('green')), questionnaire).colour).toBe('green');
    expect(choice.some((item) => answerWith('red')(item))).toBe(true);
    expect(triageResponse(respond((item) => answerWith('red')(item) ?? answerWith('green')(item)), questionnaire).colour).toBe('red');
  });
});
