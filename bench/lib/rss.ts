import { readFileSync } from 'node:fs';

/** Resident memory of a process in MiB, from /proc (Linux). */
export function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
    return kib ? Number(kib) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples a set of processes every 200 ms and keeps the highest total RSS. */
export function samplePeakRss(pids: () => number[]): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    const total = pids().reduce((sum, pid) => sum + (rssMiB(pid) || 0), 0);
    peak = Math.max(peak, total);
  }, 200);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}
