// Reads a process's CPU time and resident memory from /proc, so the benchmark can measure a
// server it does not control (the gateway is a separate child process) without instrumenting it.
import { readFileSync, readdirSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux we target). */
export const CLOCK_TICKS_PER_SECOND = 100;

export class ProcReadError extends Error {
  code = 'PROC_READ_FAILED';
  constructor(pid, what, cause) {
    super(`cannot read ${what} of pid ${pid}: ${cause?.message ?? cause}`);
    this.name = 'ProcReadError';
  }
}

/**
 * utime+stime of the whole process (all threads, including exited ones) from /proc/<pid>/stat,
 * in nanoseconds. Resolution is one clock tick (10 ms), so callers need phases long enough that
 * the total is many ticks.
 */
export function readStatCpuNs(pid) {
  const { userNs, systemNs } = readStatCpuSplitNs(pid);
  return userNs + systemNs;
}

/** utime and stime separately (ns): on loopback, stime includes the kernel's TCP work for both ends of each write. */
export function readStatCpuSplitNs(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    throw new ProcReadError(pid, 'stat', err);
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name, field 3 (state) is index 0, so utime (field 14) is index 11 and stime index 12.
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  if (!Number.isFinite(user) || !Number.isFinite(system)) throw new ProcReadError(pid, 'stat', new Error(`unexpected format: ${text.slice(0, 120)}`));
  return { userNs: (user * 1e9) / CLOCK_TICKS_PER_SECOND, systemNs: (system * 1e9) / CLOCK_TICKS_PER_SECOND };
}

/**
 * Time on CPU of every live thread of the process, summed from /proc/<pid>/task/<tid>/schedstat
 * (first field, nanoseconds). Far finer than the 10 ms ticks of /proc/<pid>/stat; a thread that
 * exits between two readings takes its time with it, which is why readStatCpuNs is kept as the
 * cross-check.
 */
export function readSchedCpuNs(pid) {
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch (err) {
    throw new ProcReadError(pid, 'task list', err);
  }
  let total = 0;
  for (const tid of tids) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread exited between readdir and read: nothing left to count for it.
    }
  }
  return total;
}

/** Both CPU readings at one instant. */
export function readCpu(pid) {
  const { userNs, systemNs } = readStatCpuSplitNs(pid);
  return { statNs: userNs + systemNs, userNs, systemNs, schedNs: readSchedCpuNs(pid) };
}

/** Summed CPU (schedstat ns) of several processes, e.g. all load clients. */
export function readCpuOfAll(pids) {
  return pids.reduce((total, pid) => total + readSchedCpuNs(pid), 0);
}

/** Resident set size (VmRSS) in bytes from /proc/<pid>/status. */
export function readRssBytes(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (err) {
    throw new ProcReadError(pid, 'status', err);
  }
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(text);
  if (!match) throw new ProcReadError(pid, 'status', new Error('no VmRSS line'));
  return Number(match[1]) * 1024;
}

/**
 * Waits until RSS stops moving (two readings `intervalMs` apart within `toleranceBytes`) or
 * `maxMs` passes, and returns the last reading. The servers are not ours to force a GC in, so
 * "settled" means the allocator and GC have gone quiet.
 */
export async function settledRssBytes(pid, { intervalMs = 500, toleranceBytes = 256 * 1024, maxMs = 6000 } = {}) {
  const deadline = Date.now() + maxMs;
  let previous = readRssBytes(pid);
  for (;;) {
    await new Promise((r) => setTimeout(r, intervalMs));
    const current = readRssBytes(pid);
    if (Math.abs(current - previous) <= toleranceBytes || Date.now() >= deadline) return current;
    previous = current;
  }
}
