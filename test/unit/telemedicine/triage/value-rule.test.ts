import type { Observation, Questionnaire, QuestionnaireResponse } from '@medplum/fhirtypes';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readThresholds } from '../../../../src/telemedicine/triage/thresholds';
import { triageObservation } from '../../../../src/telemedicine/triage/observation-triage';
import { triageResponse } from '../../../../src/telemedicine/triage/questionnaire-triage';
import { triageValue } from '../../../../src/telemedicine/triage/value-rule';

const groups = join(__dirname, '..', '..', '..', '..', 'fhir-profiles', 'groups');
const template = (group: string, file: string) => JSON.parse(readFileSync(join(groups, group, file), 'utf8'));
const spo2 = readThresholds(template('kol', 'activitydefinition-kol-spo2.json').extension);
const pulse = readThresholds(template('kol', 'activitydefinition-kol-pulse.json').extension);
const weight = readThresholds(template('hjertesvigt', 'activitydefinition-hjertesvigt-weight.json').extension);
const bp = readThresholds(template('hjertesvigt', 'activitydefinition-hjertesvigt-blood-pressure.json').extension);
const q = (value: number, code: string) => ({ value, unit: code, system: 'http://unitsofmeasure.org', code });

describe('the value rule: alarm limits are inclusive (a value equal to a limit is outside)', () => {
  it.each([
    [84, 'red'], [85, 'red'], [86, 'yellow'], [88, 'yellow'], [89, 'green'], [97, 'green'],
  ])('SpO2 %p %% is %s (red ≤ 85, yellow ≤ 88)', (value, colour) => {
    expect(triageValue('SpO2', q(value, '%'), spo2).colour).toBe(colour);
  });

  it.each([
    [40, 'red'], [50, 'red'], [51, 'yellow'], [60, 'yellow'], [61, 'green'], [72, 'green'], [109, 'green'],
    [110, 'yellow'], [129, 'yellow'], [130, 'red'], [150, 'red'],
  ])('pulse %p /min is %s (red ≤ 50 or ≥ 130, yellow ≤ 60 or ≥ 110)', (value, colour) => {
    expect(triageValue('pulse', q(value, '/min'), pulse).colour).toBe(colour);
  });

  it('says which limit drove the colour', () => {
    expect(triageValue('NPU03011', q(84, '%'), spo2).reason).toBe('NPU03011 84 % ≤ RAL low limit 85 %');
  });

  it('a weight gain of 2 kg over the baseline is yellow; 1.9 kg is green', () => {
    const baseline = { value: 80, unit: 'kg', reference: 'Goal/g1' };
    const gain2 = triageValue('weight', q(82, 'kg'), weight, baseline);
    expect(gain2.colour).toBe('yellow');
    expect(gain2.reason).toContain('baseline 80 kg +2 kg');
    expect(gain2.used).toEqual([{ type: 'GAL', high: 82, unit: 'kg', baseline: { value: 80, reference: 'Goal/g1' } }]);
    expect(triageValue('weight', q(81.9, 'kg'), weight, baseline).colour).toBe('green');
  });

  it('never a silent green: no thresholds, a unit mismatch or no baseline are problems (yellow)', () => {
    const none = triageValue('pulse', q(72, '/min'), []);
    expect([none.colour, none.problem]).toEqual(['yellow', 'no thresholds are set for this measurement']);
    const unit = triageValue('SpO2', q(0.97, '1'), spo2);
    expect([unit.colour, unit.problem]).toEqual(['yellow', 'unit 1 does not match the threshold unit %']);
    expect(triageValue('weight', q(82, 'kg'), weight).problem).toMatch(/no baseline Goal/);
  });
});

describe('triageObservation', () => {
  const obs = (over: Partial<Observation>): Observation => ({ resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'urn:oid:1.2.208.176.2.1', code: 'NPU03011' }] }, ...over });

  it('copies the thresholds used onto referenceRange', () => {
    const { finding, observation } = triageObservation(obs({ valueQuantity: q(84, '%') }), spo2, () => undefined);
    expect(finding.colour).toBe('red');
    expect(observation.referenceRange?.map((r) => [r.type?.coding?.[0].code, r.low?.value])).toEqual([['RAL', 85], ['GAL', 88]]);
  });

  it('triages each blood-pressure component by the ranges naming its code; the worst wins', () => {
    const npu = (code: string) => ({ coding: [{ system: 'urn:oid:1.2.208.176.2.1', code }] });
    const reading = obs({
      code: { coding: [...npu('DNK05472').coding, ...npu('DNK05473').coding] },
      component: [{ code: npu('DNK05472'), valueQuantity: q(135, 'mm[Hg]') }, { code: npu('DNK05473'), valueQuantity: q(110, 'mm[Hg]') }],
    });
    const { finding, observation } = triageObservation(reading, bp, () => undefined);
    expect(finding.colour).toBe('red');
    expect(finding.reasons).toEqual(['DNK05472 135 mm[Hg] within all limits', 'DNK05473 110 mm[Hg] ≥ RAL high limit 110 mm[Hg]']);
    expect(observation.component?.[1].referenceRange?.[0].high?.value).toBe(110);
  });
});

describe('triageResponse: answer significance on the Questionnaire', () => {
  const questionnaire = template('kol', 'questionnaire-kol-symptoms.json') as Questionnaire;
  const response = (code: string): QuestionnaireResponse => ({
    resourceType: 'QuestionnaireResponse',
    status: 'completed',
    questionnaire: 'https://kolibri.dk/fhir/Questionnaire/kol-symptoms|1.0',
    item: [
      { linkId: 'breathless', answer: [{ valueCoding: { system: 'https://kolibri.dk/fhir/CodeSystem/kol-answers', code, display: code } }] },
      { linkId: 'sputum-colour-changed', answer: [{ valueBoolean: true }] },
    ],
  });

  it.each([['no', 'green'], ['a-little', 'yellow'], ['quite-a-lot', 'red']])('"more breathless: %s" → %s', (code, colour) => {
    expect(triageResponse(response(code), questionnaire).colour).toBe(colour);
  });

  it('names the answer that drove a red', () => {
    expect(triageResponse(response('quite-a-lot'), questionnaire).reasons[0]).toBe('Er du mere forpustet end normalt?: quite-a-lot → red');
  });

  it('an unknown Questionnaire is a problem, not green', () => {
    expect(triageResponse(response('no'), undefined)).toMatchObject({ colour: 'yellow', problems: [expect.stringMatching(/not known/)] });
  });
});
