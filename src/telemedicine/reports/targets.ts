import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

/**
 * Target populations for inclusion % ($rollout-report): per region (ISO 3166-2 code DK-81…85)
 * and per municipality (four-digit code), with the milestones to mark. Read once at start-up
 * from KOLIBRI_REPORT_TARGETS (default config/targets.json, relative to the install folder).
 */
export interface Targets {
  milestones: number[];
  regions: Record<string, { name: string; target: number }>;
  municipalities: Record<string, { name: string; region?: string; target: number }>;
}

export const DEFAULT_TARGETS_FILE = 'config/targets.json';
const ROOT = join(__dirname, '..', '..', '..');

/** Load and check a targets file; a relative path is taken from the install folder. */
export function loadTargets(file: string = DEFAULT_TARGETS_FILE): Targets {
  const path = isAbsolute(file) ? file : join(ROOT, file);
  let raw: Partial<Targets>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Partial<Targets>;
  } catch (err) {
    throw new Error(`report targets ${path}: ${(err as Error).message}`);
  }
  const targets: Targets = { milestones: raw.milestones ?? [10, 50, 95], regions: raw.regions ?? {}, municipalities: raw.municipalities ?? {} };
  for (const [kind, table] of [['regions', targets.regions], ['municipalities', targets.municipalities]] as const) {
    for (const [code, entry] of Object.entries(table)) {
      if (!(Number.isFinite(entry.target) && entry.target > 0)) throw new Error(`report targets ${path}: ${kind}.${code}.target must be a positive number`);
    }
  }
  return targets;
}
