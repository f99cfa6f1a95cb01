import { canonicalUnit, scaleDecimal } from '../../../../src/fhir/search/ucum';

describe('canonicalUnit', () => {
  it.each([
    ['kg', 'g', '1000'],
    ['g', 'g', '1'],
    ['mg', 'g', '0.001'],
    ['%', '1', '0.01'],
    ['/min', 's-1', '0.0166666666666667'],
    ['{beats}/min', 's-1', '0.0166666666666667'],
    ['mL', 'm3', '0.000001'],
    ['10*3/uL', 'm-3', '1000000000000'],
    ['mm[Hg]', 'g.m-1.s-2', '133322'],
  ])('%s is %s × %s', (code, canonical, factor) => {
    expect(canonicalUnit(code)).toEqual({ code: canonical, factor });
  });

  it('has no canonical form for special or invalid units', () => {
    expect(canonicalUnit('Cel')).toBeUndefined();
    expect(canonicalUnit('[degF]')).toBeUndefined();
    expect(canonicalUnit('not a unit')).toBeUndefined();
  });
});

describe('scaleDecimal', () => {
  it.each([
    ['5.4', '1000', '5400'],
    ['5.35', '1000', '5350'],
    ['72', '0.0166666666666667', '1.2000000000000024'],
    ['-2.5', '0.01', '-0.025'],
    ['3', '1e-7', '0.0000003'],
    ['Infinity', '1000', 'Infinity'],
    ['-Infinity', '1000', '-Infinity'],
  ])('%s × %s = %s', (value, factor, product) => {
    expect(scaleDecimal(value, factor)).toBe(product);
  });
});
