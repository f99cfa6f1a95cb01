import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario } from './scenarios/scenario';

/**
 * Scenarios measured first, in this order; any other module in scenarios/ follows by name.
 * vitals-search leads: the scenarios after it add SpO2 Observations for the patient it
 * searches, so measured later it would sort more rows than its calibration did.
 */
const FIRST = ['vitals-search', 'create', 'read'];

/** Scenarios the issue asks a full run to measure: a run without one of them says so. */
const EXPECTED: Array<{ name: string; missing: string }> = [
  { name: 'transaction', missing: 'no bench/scenarios/transaction.ts' },
  { name: 'vitals-search', missing: 'no bench/scenarios/vitals.ts (the cohort mode `npm run bench -- search` measures the vitals query at 101k resources)' },
  { name: 'submit-measurement', missing: 'no bench/scenarios/submit-measurement.ts' },
];

function isScenario(value: unknown): value is Scenario {
  const s = value as Partial<Scenario> | undefined;
  return !!s && typeof s.name === 'string' && typeof s.measure === 'function' && Array.isArray(s.concurrency) && !!s.baseline;
}

/**
 * Every Scenario exported by a module in bench/scenarios/, so scenarios colleagues add are part
 * of a full run without touching the runner, plus a note for each expected one that is absent.
 */
export function findScenarios(dir = join(__dirname, 'scenarios')): { scenarios: Scenario[]; notes: string[] } {
  const found = new Map<string, Scenario>();
  for (const file of readdirSync(dir).filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts') && f !== 'scenario.ts').sort()) {
    const mod = require(join(dir, file)) as Record<string, unknown>;
    for (const value of Object.values(mod)) if (isScenario(value) && !found.has(value.name)) found.set(value.name, value);
  }
  const rank = (name: string) => (FIRST.includes(name) ? FIRST.indexOf(name) : FIRST.length);
  const scenarios = [...found.values()].sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
  const notes = EXPECTED.filter((e) => !found.has(e.name)).map((e) => `${e.name}: skipped, ${e.missing}`);
  return { scenarios, notes };
}
