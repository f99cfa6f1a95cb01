import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * CPU time spent while a cell ran, so a throughput can be read as a budget: on a saturated
 * machine, ops/s ≈ cores ÷ machine CPU per op, whatever the code path. Linux only (/proc);
 * elsewhere the figures are left out.
 */
export interface CpuMark {
  /** Busy milliseconds of all cores since boot (os.cpus(): everything but idle). */
  machineMs: number;
  /** User + system milliseconds of the server process, when its pid is known and readable. */
  serverMs?: number;
}

/** CPU per operation between two marks, in milliseconds. */
export interface CpuPerOp {
  machineMsPerOp: number;
  serverMsPerOp?: number;
}

/** Linux's USER_HZ: /proc/<pid>/stat counts clock ticks of 1/100 s on every mainstream build. */
const TICKS_PER_SECOND = 100;

let serverPid: number | undefined;

/** The server process whose CPU the marks read (set once by the suite after it started it). */
export function setMeasuredServer(pid: number | undefined): void {
  serverPid = pid;
}

/** `server: false` for calibrations, which leave the server idle. */
export function cpuMark(options: { server: boolean } = { server: true }): CpuMark {
  const machineMs = cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
  return { machineMs, serverMs: serverPid === undefined || !options.server ? undefined : processCpuMs(serverPid) };
}

export function cpuPerOp(start: CpuMark, end: CpuMark, operations: number): CpuPerOp | undefined {
  if (operations <= 0) return undefined;
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const server = start.serverMs !== undefined && end.serverMs !== undefined ? round((end.serverMs - start.serverMs) / operations) : undefined;
  return { machineMsPerOp: round((end.machineMs - start.machineMs) / operations), ...(server === undefined ? {} : { serverMsPerOp: server }) };
}

function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name: state is field 3, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
