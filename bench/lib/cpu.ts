import { readFileSync } from 'node:fs';

/** Kernel clock ticks per second, the unit of utime and stime in /proc/<pid>/stat (Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) that the processes have used so far, threads included.
 * Fields 14 and 15 of /proc/<pid>/stat, counted after the command name, which may
 * itself hold spaces and parentheses.
 */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      continue;
    }
  }
  return ticks / TICKS_PER_SECOND;
}
