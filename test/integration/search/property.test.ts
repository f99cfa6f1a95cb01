import { nonCprUuid } from '../../support/ids';
import { evaluate } from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { createTestApp, type TestApp } from '../../support/app';

/**
 * Property test (issue 3): for generated resources, every generated query's result set equals a
 * brute-force evaluation of the same criteria over the stored resources in memory, written here
 * from the spec's rules (https://hl7.org/fhir/R4/search.html), independently of the engine:
 * values are read with fhirpath.js over the stored JSON, then matched by the rules below.
 */

/** The values of a FHIRPath expression over a stored resource (the brute force's reader). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fp = (resource: object, path: string): any[] => evaluate(resource, path, undefined, r4) as any[]; // eslint-disable-line @typescript-eslint/no-explicit-any

// mulberry32: small, seedable, good enough to spread test data
function prng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.KOLIBRI_PROPERTY_SEED ?? 20261123);
const NPU = 'urn:oid:1.2.208.176.2.1';
const CODES = ['NPU03011', 'NPU21692', 'NPU03804'];
const FAMILIES = ['Jørgensen', 'Joergensen', 'Jörg', 'Ågård', 'Aagaard', 'Østergaard', 'Hansen', 'Hansén', 'Ærø', 'Müller', 'Mueller'];
const GIVEN = ['Søren', 'Soeren', 'Anne', 'Åse', 'Jens', 'Mette'];

// The documented folding (README "Search"): case, diacritics, æ→ae ø→oe å→aa; stored values with
// æ/ø/å are also findable in keyboard form (ø→o, å→a).
const foldWith = (s: string, map: Record<string, string>) =>
  [...s.toLowerCase()].map((c) => map[c] ?? c).join('').normalize('NFD').replace(/[\u0300-\u036f]/g, '');
const TRANSLIT = { æ: 'ae', ø: 'oe', å: 'aa', ß: 'ss' };
const KEYBOARD = { ...TRANSLIT, ø: 'o', å: 'a' };

type Range = [number, number];

/** The range of a dateTime or a Period (open ends are infinite), https://hl7.org/fhir/R4/search.html#date */
function effectiveRange(value: string | { start?: string; end?: string }): Range {
  if (typeof value === 'string') return dateRange(value);
  return [value.start ? dateRange(value.start)[0] : -Infinity, value.end ? dateRange(value.end)[1] : Infinity];
}

/** [low, high) of a date/dateTime at its precision, in ms (dates without a time in UTC). */
function dateRange(text: string): Range {
  if (/T\d\d:\d\d:\d\d/.test(text)) {
    const at = Date.parse(text.replace(/\.\d+/, ''));
    return [at, at + 1000];
  }
  const m = /^(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d))?)?)?)?/.exec(text)!;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) => (x === undefined ? undefined : Number(x)));
  if (mo === undefined) return [Date.UTC(y!, 0, 1), Date.UTC(y! + 1, 0, 1)];
  if (d === undefined) return [Date.UTC(y!, mo - 1, 1), Date.UTC(y!, mo, 1)];
  if (h === undefined) return [Date.UTC(y!, mo - 1, d), Date.UTC(y!, mo - 1, d + 1)];
  if (s === undefined) return [Date.UTC(y!, mo - 1, d, h, mi), Date.UTC(y!, mo - 1, d, h, mi! + 1)];
  return [Date.UTC(y!, mo - 1, d, h, mi, s), Date.UTC(y!, mo - 1, d, h, mi, s + 1)];
}

/** Spec prefix semantics on ranges: target t, search value q. */
function dateMatches(prefix: string, t: Range, q: Range): boolean {
  const eq = t[0] >= q[0] && t[1] <= q[1];
  switch (prefix) {
    case 'eq':
      return eq;
    case 'ne':
      return !eq;
    case 'gt':
      return t[1] > q[1];
    case 'lt':
      return t[0] < q[0];
    case 'ge':
      return t[1] > q[1] || eq;
    case 'le':
      return t[0] < q[0] || eq;
    case 'sa':
      return t[0] >= q[1];
    case 'eb':
      return t[1] <= q[0];
    default:
      throw new Error(prefix);
  }
}

interface Stored {
  id: string;
  resource: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

type Matcher = (r: Stored['resource']) => boolean;
interface Query {
  type: 'Patient' | 'Observation';
  params: Array<[string, string]>;
  matches: Matcher;
}

describe('search equals brute force (property test)', () => {
  let t: TestApp;
  const tag = { system: 'urn:kolibri:property-test', code: nonCprUuid() };
  const patients: Stored[] = [];
  const observations: Stored[] = [];
  const rnd = prng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const two = (n: number) => String(n).padStart(2, '0');
  /** A dateTime at year, month, day or second precision (UTC or +02:00). */
  const dateTime = (): string => {
    const [month, day] = [two(int(3, 6)), two(int(1, 28))];
    switch (int(0, 5)) {
      case 0:
        return '2026';
      case 1:
        return `2026-${month}`;
      case 2:
        return `2026-${month}-${day}`;
      default:
        return `2026-${month}-${day}T${two(int(0, 23))}:${two(int(0, 59))}:${two(int(0, 59))}${pick(['Z', '+02:00'])}`;
    }
  };
  /** effectiveDateTime, or an effectivePeriod (sometimes open at one end). */
  const effective = (): Record<string, unknown> => {
    if (rnd() < 0.7) return { effectiveDateTime: dateTime() };
    const [a, b] = [dateTime(), dateTime()].sort((x, y) => dateRange(x)[0] - dateRange(y)[0]);
    const shape = int(0, 3);
    return { effectivePeriod: shape === 0 ? { start: a } : shape === 1 ? { end: b } : { start: a, end: b } };
  };

  beforeAll(async () => {
    t = await createTestApp();
    const store = t.services.store;
    await store.transaction(async (tx) => {
      for (let i = 0; i < 40; i++) {
        const resource = {
          resourceType: 'Patient',
          meta: { tag: [tag] },
          name: [{ family: pick(FAMILIES), given: [pick(GIVEN)] }],
          gender: pick(['male', 'female', 'other', 'unknown']),
          birthDate: `19${int(30, 69)}-${two(int(1, 12))}-${two(int(1, 28))}`,
        };
        const v = await tx.create(resource as never);
        patients.push({ id: v.id, resource: JSON.parse(v.json as string) });
      }
      for (let i = 0; i < 120; i++) {
        const decimals = pick([2, 3, 7, 8]);
        const resource = {
          resourceType: 'Observation',
          meta: { tag: [tag] },
          status: 'final',
          code: { coding: [{ system: NPU, code: pick(CODES) }] },
          subject: { reference: `Patient/${pick(patients).id}` },
          ...effective(),
          valueQuantity: { value: int(50, 130) + decimals / 10, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
        };
        const v = await tx.create(resource as never);
        observations.push({ id: v.id, resource: JSON.parse(v.json as string) });
      }
    });
  });
  afterAll(() => t.close());

  function patientQuery(): Query {
    switch (int(0, 3)) {
      case 0: {
        // a prefix of some name as a person would type it: any case, with or without Danish letters
        const name = pick([...FAMILIES, ...GIVEN]);
        const typed = (rnd() < 0.5 ? name : foldWith(name, rnd() < 0.5 ? TRANSLIT : KEYBOARD)).slice(0, int(2, 5));
        const q = foldWith(typed, TRANSLIT);
        const cased = rnd() < 0.5 ? typed.toUpperCase() : typed;
        return {
          type: 'Patient',
          params: [['name', cased]],
          matches: (r) =>
            fp(r, 'Patient.name.family | Patient.name.given').some((part: string) => foldWith(part, TRANSLIT).startsWith(q) || foldWith(part, KEYBOARD).startsWith(q)),
        };
      }
      case 1: {
        const g = pick(['male', 'female', 'other', 'unknown']);
        const not = rnd() < 0.3;
        return { type: 'Patient', params: [[not ? 'gender:not' : 'gender', g]], matches: (r) => fp(r, 'Patient.gender').includes(g) !== not };
      }
      default: {
        const prefix = pick(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb']);
        const precision = int(1, 3);
        const d = `19${int(30, 69)}-${two(int(1, 12))}-${two(int(1, 28))}`;
        const value = precision === 1 ? d.slice(0, 4) : precision === 2 ? d.slice(0, 7) : d;
        return { type: 'Patient', params: [['birthdate', `${prefix}${value}`]], matches: (r) => fp(r, 'Patient.birthDate').some((b: string) => dateMatches(prefix, dateRange(b), dateRange(value))) };
      }
    }
  }

  function observationCriterion(): Query {
    switch (int(0, 3)) {
      case 0: {
        const code = pick(CODES);
        return { type: 'Observation', params: [['code', `${NPU}|${code}`]], matches: (r) => fp(r, `Observation.code.coding.where(system = '${NPU}').code`).includes(code) };
      }
      case 1: {
        const p = pick(patients).id;
        return { type: 'Observation', params: [['subject', `Patient/${p}`]], matches: (r) => fp(r, 'Observation.subject.reference').includes(`Patient/${p}`) };
      }
      case 2: {
        // a whole number: eq/ne mean its implicit precision [q - 0.5, q + 0.5) (search.html#number)
        const prefix = pick(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb']);
        const q = int(50, 130);
        const eq = (v: number) => v >= q - 0.5 && v < q + 0.5;
        const rules: Record<string, (v: number) => boolean> = {
          eq,
          ne: (v) => !eq(v),
          gt: (v) => v > q,
          lt: (v) => v < q,
          ge: (v) => v >= q,
          le: (v) => v <= q,
          sa: (v) => v > q,
          eb: (v) => v < q,
        };
        const unit = rnd() < 0.3 ? '|http://unitsofmeasure.org|%' : '';
        return { type: 'Observation', params: [['value-quantity', `${prefix}${q}${unit}`]], matches: (r) => fp(r, 'Observation.value.ofType(Quantity).value').some(rules[prefix]) };
      }
      default: {
        const prefix = pick(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb']);
        const precision = int(1, 3);
        const value = precision === 1 ? '2026' : precision === 2 ? `2026-${two(int(3, 6))}` : `2026-${two(int(3, 6))}-${two(int(1, 28))}`;
        return { type: 'Observation', params: [['date', `${prefix}${value}`]], matches: (r) => fp(r, 'Observation.effective').some((e) => dateMatches(prefix, effectiveRange(e), dateRange(value))) };
      }
    }
  }

  /** One or two criteria ANDed (two of the same parameter are ANDed too, per the spec). */
  function generate(): Query {
    if (rnd() < 0.4) return patientQuery();
    const a = observationCriterion();
    if (rnd() < 0.5) return a;
    const b = observationCriterion();
    return { type: 'Observation', params: [...a.params, ...b.params], matches: (r) => a.matches(r) && b.matches(r) };
  }

  it(`gives exactly the brute-force result for 150 generated queries (seed ${SEED})`, async () => {
    const mismatches: string[] = [];
    for (let i = 0; i < 150; i++) {
      const q = generate();
      const stored = q.type === 'Patient' ? patients : observations;
      const expected = stored.filter((s) => q.matches(s.resource)).map((s) => s.id).sort();
      const params = new URLSearchParams([...q.params, ['_tag', `${tag.system}|${tag.code}`], ['_count', '1000']]);
      const res = await t.app.inject({ method: 'GET', url: `/fhir/${q.type}?${params}` });
      expect(res.statusCode).toBe(200);
      const actual = (res.json().entry ?? [])
        .filter((e: { search: { mode: string } }) => e.search.mode === 'match')
        .map((e: { resource: { id: string } }) => e.resource.id)
        .sort();
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push(`${q.type}?${q.params.map(([n, v]) => `${n}=${v}`).join('&')}: expected ${expected.length}, got ${actual.length}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});
