import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';
import { ValueSetExpander } from '../../../../src/fhir/terminology/expand';

const cs: CodeSystem = {
  resourceType: 'CodeSystem', url: 'urn:cs', status: 'active', content: 'complete',
  concept: [{ code: 'lung', concept: [{ code: 'copd', concept: [{ code: 'copd-severe' }] }, { code: 'asthma' }] }, { code: 'heart' }],
};
const vs = (url: string, compose: ValueSet['compose']): ValueSet => ({ resourceType: 'ValueSet', url, status: 'active', compose });
const sets = [
  vs('urn:all', { include: [{ system: 'urn:cs' }] }),
  vs('urn:copd', { include: [{ system: 'urn:cs', filter: [{ property: 'concept', op: 'is-a', value: 'copd' }] }] }),
  vs('urn:below-lung', { include: [{ system: 'urn:cs', filter: [{ property: 'concept', op: 'descendent-of', value: 'lung' }] }], exclude: [{ system: 'urn:cs', concept: [{ code: 'asthma' }] }] }),
  vs('urn:listed', { include: [{ system: 'urn:other', concept: [{ code: 'x' }] }, { valueSet: ['urn:copd'] }] }),
  vs('urn:snomed', { include: [{ system: 'http://snomed.info/sct', filter: [{ property: 'concept', op: 'is-a', value: '1' }] }] }),
  vs('urn:regex', { include: [{ system: 'urn:cs', filter: [{ property: 'code', op: 'regex', value: '.*' }] }] }),
];
const expander = new ValueSetExpander({ valueSet: (u) => sets.find((s) => s.url === u.split('|')[0]), codeSystem: (u) => (u === 'urn:cs' ? cs : undefined) });

it('expands whole code systems with their hierarchy', () => {
  const e = expander.expand('urn:all|1.0')!;
  expect(e.size).toBe(5);
  expect(e.has('urn:cs', 'copd-severe')).toBe(true);
  expect(e.has('urn:other', 'copd')).toBe(false);
  expect(e.hasCode('heart')).toBe(true);
});

it('applies is-a, descendent-of and exclude', () => {
  expect(['copd', 'copd-severe'].every((c) => expander.expand('urn:copd')!.has('urn:cs', c))).toBe(true);
  expect(expander.expand('urn:copd')!.size).toBe(2);
  const below = expander.expand('urn:below-lung')!;
  expect([below.has('urn:cs', 'lung'), below.has('urn:cs', 'copd'), below.has('urn:cs', 'asthma')]).toEqual([false, true, false]);
});

it('takes enumerated concepts of systems it does not hold, and included value sets', () => {
  const e = expander.expand('urn:listed')!;
  expect([e.has('urn:other', 'x'), e.has('urn:cs', 'copd')]).toEqual([true, true]);
});

it('gives up (undefined) on what it cannot expand, and caches the answer', () => {
  expect(expander.expand('urn:snomed')).toBeUndefined();
  expect(expander.expand('urn:regex')).toBeUndefined();
  expect(expander.expand('urn:missing')).toBeUndefined();
  expect(expander.expand('urn:all')).toBe(expander.expand('urn:all'));
});

it('does not remember URLs it does not hold: one added later expands', () => {
  const held: ValueSet[] = [];
  const growing = new ValueSetExpander({ valueSet: (u) => held.find((s) => s.url === u), codeSystem: (u) => (u === 'urn:cs' ? cs : undefined) });
  expect(growing.expand('urn:later')).toBeUndefined();
  held.push(vs('urn:later', { include: [{ system: 'urn:cs', concept: [{ code: 'heart' }] }] }));
  expect(growing.expand('urn:later')?.has('urn:cs', 'heart')).toBe(true);
});
