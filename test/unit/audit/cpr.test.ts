import { randomUUID } from 'node:crypto';
import { containsCprNumber, cprFreeUuid, maskCpr, maskCprInUrl } from '../../../src/audit/cpr';

describe('CPR numbers', () => {
  it('are masked in a URL part however they are percent-encoded', () => {
    const masked = 'identifier=urn:oid:1.2.208.176.1.2|xxxxxx-xxxx';
    expect(maskCprInUrl('identifier=urn%3Aoid%3A1.2.208.176.1.2%7C0101504321')).toBe(masked);
    expect(maskCprInUrl('identifier=urn:oid:1.2.208.176.1.2|010150%2D4321')).toBe(masked);
    expect(maskCprInUrl('identifier=urn:oid:1.2.208.176.1.2|%30%31%30%31%35%30%34%33%32%31')).toBe(masked);
    expect(maskCprInUrl('/fhir/Patient/%30101504321/_history')).toBe('/fhir/Patient/xxxxxx-xxxx/_history');
    // doubly encoded
    expect(maskCprInUrl('/fhir/Patient/%2530101504321')).toBe('/fhir/Patient/xxxxxx-xxxx');
    // a malformed escape elsewhere does not keep the rest encoded
    expect(maskCprInUrl('note=%E0%A4%A&x=%&ref=010150%2D4321')).not.toMatch(/4321/);
    expect(maskCprInUrl('note=%C3%30101504321')).not.toMatch(/4321/);
  });

  it('leave what is no CPR number as it is (decoded)', () => {
    expect(maskCprInUrl('_count=20&code=NPU03011&x=01015043210')).toBe('_count=20&code=NPU03011&x=01015043210');
    expect(maskCprInUrl('name=J%C3%B8rgensen')).toBe('name=Jørgensen');
    expect(maskCpr('/fhir/Observation/5c0f2a1e-3d4b-4e8a-9f10-123456789012')).toBe('/fhir/Observation/5c0f2a1e-3d4b-4e8a-9f10-123456789012');
  });

  it.each([
    ['0101504321', true],
    ['010150-4321', true],
    ['2902001234', true], // 29 February 2000
    ['2902041234', true],
    ['p-3112991234', true],
    ['2902011234', false], // 2001 was no leap year
    ['3204501234', false],
    ['0113501234', false],
    ['0001501234', false],
    ['9999999999', false],
    ['01015043210', false], // eleven digits
    ['010150432', false],
    ['5c0f2a1e-3d4b-4e8a-9f10-123456789012', false],
  ])('%s holds a CPR number: %s', (text, expected) => {
    expect(containsCprNumber(text)).toBe(expected);
  });

  it('ids the server assigns survive masking: no CPR-shaped run in them, where plain UUIDs have one now and then', () => {
    const plain = Array.from({ length: 20_000 }, () => randomUUID()).filter((id) => maskCpr(id) !== id);
    expect(plain.length).toBeGreaterThan(0);
    for (let i = 0; i < 20_000; i++) {
      const id = cprFreeUuid();
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      if (maskCpr(id) !== id) throw new Error(`${id} is masked`);
    }
  });
});
