import { checkJsonInput, MAX_JSON_DEPTH } from '../../../src/fhir/json-input';

function nested(levels: number, open: string, close: string, inner = '1'): unknown {
  return JSON.parse(open.repeat(levels) + inner + close.repeat(levels));
}

describe('checkJsonInput', () => {
  it('accepts an ordinary resource', () => {
    expect(checkJsonInput({ resourceType: 'Patient', name: [{ family: 'Ærø', given: ['a\tb'] }], active: true })).toBeUndefined();
  });

  it('names the element holding U+0000, in a string or a property name', () => {
    expect(checkJsonInput({ resourceType: 'Patient', name: [{ given: ['ok', 'a\u0000'] }] })).toMatchObject({
      code: 'invalid',
      expression: ['Patient.name[0].given[1]'],
    });
    expect(checkJsonInput({ resourceType: 'Patient', ['x\u0000']: 1 })?.expression).toEqual(['Patient.x\\u0000']);
    expect(checkJsonInput([{ op: 'add', path: '/a', value: '\u0000' }])?.expression).toEqual(['[0].value']);
    expect(checkJsonInput('\u0000')?.expression).toEqual(['(the body)']);
  });

  it(`accepts ${MAX_JSON_DEPTH} levels and refuses more, without recursion`, () => {
    expect(checkJsonInput(nested(MAX_JSON_DEPTH, '[', ']'))).toBeUndefined();
    expect(checkJsonInput(nested(MAX_JSON_DEPTH + 1, '[', ']'))).toMatchObject({ code: 'too-long' });
    expect(checkJsonInput(nested(100_000, '[', ']'))).toMatchObject({ code: 'too-long' });
    expect(checkJsonInput(nested(100_000, '{"a":', '}'))).toMatchObject({ code: 'too-long' });
  });
});
