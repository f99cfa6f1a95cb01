import { totalmem } from 'node:os';

/**
 * Server settings of the embedded PostgreSQL, sized to the memory it may count on. PostgreSQL's
 * defaults (shared_buffers 128 MB, effective_cache_size 4 GB, work_mem 4 MB) suit a small
 * shared machine; Kolibri's search index outgrows 128 MB of buffers long before the data does.
 * The rules follow PostgreSQL's own tuning advice: a quarter of the memory for shared_buffers
 * (at most 8 GB: the OS cache does the rest), the planner told that about three quarters are
 * cache, and work_mem so that a hundred connections sorting at once stay within the memory.
 * https://www.postgresql.org/docs/current/runtime-config-resource.html
 */

const MB = 1024 * 1024;

/** GUC name → value, as `postgres -c name=value` takes them. */
export type ServerSettings = Record<string, string>;

/** The memory Kolibri's PostgreSQL may count on: the machine's, or the container's limit when lower. */
export function availableMemory(): number {
  const constrained = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  const total = totalmem();
  // constrainedMemory() answers 0 or a huge number when there is no cgroup limit
  return constrained && constrained > 0 && constrained < total ? constrained : total;
}

/** Settings for `memoryBytes` of memory; `overrides` win (KOLIBRI_EMBEDDED_PG_SETTINGS). */
export function embeddedSettings(memoryBytes: number, overrides: ServerSettings = {}): ServerSettings {
  const memoryMb = Math.max(256, Math.floor(memoryBytes / MB));
  const clamp = (v: number, lo: number, hi: number) => Math.round(Math.min(hi, Math.max(lo, v)));
  return {
    shared_buffers: `${clamp(memoryMb / 4, 128, 8192)}MB`,
    effective_cache_size: `${clamp((memoryMb * 3) / 4, 512, 1024 * 1024)}MB`,
    work_mem: `${clamp(memoryMb / 256, 4, 64)}MB`,
    maintenance_work_mem: `${clamp(memoryMb / 16, 64, 1024)}MB`,
    // fewer checkpoints during bulk loads and reindexing
    max_wal_size: `${clamp(memoryMb / 4, 1024, 4096)}MB`,
    ...overrides,
  };
}

const NAME = /^[a-z_][a-z0-9_.]*$/;

/**
 * `name=value,name=value` (KOLIBRI_EMBEDDED_PG_SETTINGS) → settings; problems are reported by
 * text. Values may not contain commas.
 */
export function parseServerSettings(text: string | undefined, problems: string[]): ServerSettings {
  const settings: ServerSettings = {};
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    const name = eq > 0 ? item.slice(0, eq).trim() : '';
    const value = eq > 0 ? item.slice(eq + 1).trim() : '';
    if (!NAME.test(name) || !value) problems.push(`KOLIBRI_EMBEDDED_PG_SETTINGS must be name=value pairs separated by commas, got '${item}'`);
    else settings[name] = value;
  }
  return settings;
}
