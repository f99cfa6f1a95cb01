/**
 * `npm run bench -- validate`: median validation time, in process (no database, no HTTP), of a
 * Kolibri Observation (base R4 + the Kolibri Observation profile) and of a 50-item
 * QuestionnaireResponse (base + profile + the check against its Questionnaire).
 * Targets (issue 4): < 50 µs and < 500 µs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Questionnaire, QuestionnaireResponse } from '@medplum/fhirtypes';
import { loadDefinitions } from '../src/fhir/definitions/load';
import { checkQuestionnaireResponse } from '../src/fhir/validation/questionnaire-response';
import { createValidator } from '../src/fhir/validation/validator';
import { percentile } from './report';

const ROOT = join(__dirname, '..');
const example = <T>(name: string): T => JSON.parse(readFileSync(join(ROOT, 'fhir-profiles', 'examples', `${name}.json`), 'utf8')) as T;

export interface ValidateFigure {
  name: string;
  iterations: number;
  medianUs: number;
  p95Us: number;
  targetUs: number;
  errors: number;
}

/** Time `run` per call in µs after a warm-up; `errors` counts calls that reported error issues. */
function time(name: string, targetUs: number, iterations: number, run: () => number): ValidateFigure {
  for (let i = 0; i < Math.min(2000, iterations); i++) run();
  const samples = new Float64Array(iterations);
  let errors = 0;
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    errors += run();
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  samples.sort();
  return { name, iterations, medianUs: round(percentile(samples, 50)), p95Us: round(percentile(samples, 95)), targetUs, errors };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** A Questionnaire and a conforming response with `n` items of mixed types. */
function questionnairePair(n: number): { questionnaire: Questionnaire; response: QuestionnaireResponse } {
  const base = example<QuestionnaireResponse>('questionnaireresponse');
  const types = ['boolean', 'string', 'integer', 'decimal'] as const;
  const answer = (type: (typeof types)[number], i: number) =>
    type === 'boolean' ? { valueBoolean: i % 2 === 0 } : type === 'string' ? { valueString: `svar ${i}` } : type === 'integer' ? { valueInteger: i } : { valueDecimal: i + 0.5 };
  const items = Array.from({ length: n }, (_v, i) => ({ linkId: `q${i}`, text: `Spørgsmål ${i}`, type: types[i % types.length] }));
  const url = 'https://kolibri.dk/fhir/Questionnaire/bench-50';
  return {
    questionnaire: { resourceType: 'Questionnaire', url, version: '1', status: 'active', item: items },
    response: { ...base, questionnaire: `${url}|1`, item: items.map((it, i) => ({ linkId: it.linkId, answer: [answer(it.type, i)] })) },
  };
}

export function runValidateBench(iterations = 20000): ValidateFigure[] {
  const registry = loadDefinitions({ profileDirs: [join(ROOT, 'fhir-profiles')] });
  const validator = createValidator(registry);
  const observation = example<Record<string, unknown>>('observation');
  const { questionnaire, response } = questionnairePair(50);
  const errorsIn = (issues: Array<{ severity: string }>) => (issues.some((i) => i.severity === 'error' || i.severity === 'fatal') ? 1 : 0);
  return [
    time('Kolibri Observation (base + profile)', 50, iterations, () => errorsIn(validator.validate(observation, { type: 'Observation' }))),
    time('50-item QuestionnaireResponse (base + profile + Questionnaire)', 500, Math.ceil(iterations / 5), () =>
      errorsIn([
        ...validator.validate(response, { type: 'QuestionnaireResponse' }),
        ...checkQuestionnaireResponse(response, questionnaire, validator.terminology),
      ]),
    ),
  ];
}

export function formatValidateTable(figures: ValidateFigure[]): string {
  const rows = figures.map((f) => `${f.name.padEnd(62)} ${String(f.medianUs).padStart(8)} ${String(f.p95Us).padStart(8)} ${String(f.targetUs).padStart(8)}  ${f.medianUs < f.targetUs ? 'met' : 'MISSED'}${f.errors ? `  (${f.errors} runs reported errors)` : ''}`);
  return [`${'validation'.padEnd(62)} ${'p50 µs'.padStart(8)} ${'p95 µs'.padStart(8)} ${'target'.padStart(8)}`, ...rows].join('\n');
}
