import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { createTestApp, type TestApp } from '../../support/app';

/**
 * How much of the national infrastructure's (FUT's) declared API Kolibri's own
 * CapabilityStatement declares: search parameters by name per resource type, operations by
 * canonical per level (system, or a resource type for type and instance operations). The
 * declared names are test/fixtures/fut/declared.json (names only, from FUT's 13
 * CapabilityStatements); what Kolibri declares is read from the live /fhir/metadata, which
 * lists only what works (a search parameter is listed when it is indexed and searchable).
 */
interface Declared {
  searchParameters: Record<string, string[]>;
  operations: Record<string, Array<{ name: string; canonical: string | null }>>;
}

const declared = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'fut', 'declared.json'), 'utf8')) as Declared;

/** The lowest operation count seen covered; raise it as FUT operations are added. */
const OPERATION_FLOOR = 119;

interface Coverage {
  covered: number;
  total: number;
  missing: string[];
}

function percent(c: Coverage): string {
  return `${((100 * c.covered) / c.total).toFixed(1)} % (${c.covered} of ${c.total})`;
}

function searchCoverage(cs: CapabilityStatement): Coverage {
  const ours = new Map((cs.rest?.[0].resource ?? []).map((r) => [r.type as string, new Set((r.searchParam ?? []).map((p) => p.name))]));
  const missing: string[] = [];
  let total = 0;
  for (const [type, names] of Object.entries(declared.searchParameters)) {
    for (const name of names) {
      total++;
      if (!ours.get(type)?.has(name)) missing.push(`${type}.${name}`);
    }
  }
  return { covered: total - missing.length, total, missing };
}

/** An operation is covered when Kolibri declares one with its canonical at that level; one without a canonical (a server-specific HAPI operation) by name. */
function operationCoverage(cs: CapabilityStatement): Coverage {
  const rest = cs.rest?.[0];
  const ours = new Map<string, Array<{ name: string; definition: string }>>([['system', rest?.operation ?? []]]);
  for (const r of rest?.resource ?? []) ours.set(r.type as string, r.operation ?? []);
  const missing: string[] = [];
  let total = 0;
  for (const [level, ops] of Object.entries(declared.operations)) {
    for (const op of ops) {
      total++;
      const found = (ours.get(level) ?? []).some((o) => (op.canonical ? o.definition.split('|')[0] === op.canonical : o.name === op.name));
      if (!found) missing.push(`${level} $${op.name}`);
    }
  }
  return { covered: total - missing.length, total, missing };
}

describe("coverage of FUT's declared search parameters and operations", () => {
  let t: TestApp;
  let cs: CapabilityStatement;
  beforeAll(async () => {
    t = await createTestApp();
    cs = (await t.app.inject({ method: 'GET', url: '/fhir/metadata' })).json();
  });
  afterAll(() => t.close());

  it('the fixture holds the 1,005 search parameters and 172 operations of FUT 8.0.0', () => {
    expect(Object.values(declared.searchParameters).flat()).toHaveLength(1005);
    expect(Object.values(declared.operations).flat()).toHaveLength(172);
  });

  it('declares at least 90 % of the search parameters FUT declares, by name per type', () => {
    const c = searchCoverage(cs);
    process.stdout.write(`FUT search parameters covered: ${percent(c)}; not covered: ${c.missing.join(', ')}\n`);
    expect(c.covered / c.total).toBeGreaterThanOrEqual(0.9);
  });

  it(`declares at least ${OPERATION_FLOOR} of the operations FUT declares, by canonical per level`, () => {
    const c = operationCoverage(cs);
    process.stdout.write(`FUT operations covered: ${percent(c)}; not covered: ${c.missing.join(', ')}\n`);
    expect(c.covered).toBeGreaterThanOrEqual(OPERATION_FLOOR);
  });
});
