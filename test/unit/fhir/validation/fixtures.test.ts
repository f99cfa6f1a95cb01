import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDefinitions } from '../../../../src/fhir/definitions/load';
import { createValidator, type ResourceValidator } from '../../../../src/fhir/validation/validator';

/**
 * The fixtures in test/fixtures/validation: every valid resource passes with no issue, and
 * every invalid one yields exactly the listed issues (code and FHIRPath expression), in order.
 */
const FIXTURES = join(__dirname, '../../../fixtures/validation');

interface InvalidFixture {
  description: string;
  type?: string;
  resource: unknown;
  expect: { code: string; expression: string }[];
}

function readFixtures<T>(folder: string): [string, T][] {
  const dir = join(FIXTURES, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [f, JSON.parse(readFileSync(join(dir, f), 'utf8')) as T]);
}

let validator: ResourceValidator;
beforeAll(() => {
  validator = createValidator(loadDefinitions());
});

describe('valid R4 resources', () => {
  const valid = readFixtures<{ resourceType: string }>('valid');

  it('covers the telemedicine core types', () => {
    expect(valid.map(([, r]) => r.resourceType).sort()).toEqual(
      expect.arrayContaining(['Bundle', 'CarePlan', 'EpisodeOfCare', 'Observation', 'Patient', 'Questionnaire', 'Task']),
    );
  });

  it.each(valid)('%s passes with no issues', (_file, resource) => {
    expect(validator.validate(resource, { type: resource.resourceType })).toEqual([]);
  });
});

describe('invalid R4 resources', () => {
  it.each(readFixtures<InvalidFixture>('invalid'))('%s', (_file, fixture) => {
    const issues = validator.validate(fixture.resource, fixture.type ? { type: fixture.type } : {});
    expect(issues.map((i) => ({ code: i.code, expression: i.expression?.[0] }))).toEqual(fixture.expect);
    for (const issue of issues) {
      expect(issue.severity).toBe('error');
      expect(issue.diagnostics.length).toBeGreaterThan(10);
    }
  });
});
