import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `seq=000042 <payload>`: every line says which one it is, so order and gaps are visible. */
export function line(seq: number, payload = 'request handled'): string {
  return `seq=${String(seq).padStart(6, '0')} ${payload}\n`;
}

export function lines(from: number, to: number, payload?: string): string {
  let text = '';
  for (let seq = from; seq <= to; seq++) text += line(seq, payload);
  return text;
}

/** The sequence numbers of shipped records, in shipped order. */
export function sequence(records: readonly string[]): number[] {
  return records.flatMap((record) => {
    const match = /^seq=(\d{6,}) /.exec(record);
    return match ? [Number(match[1])] : [];
  });
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export interface TempDirs {
  root: string;
  logDir: string;
  stateDir: string;
  remove(): Promise<void>;
}

export async function tempDirs(): Promise<TempDirs> {
  const root = await mkdtemp(join(tmpdir(), 'log-sidecar-test-'));
  return {
    root,
    logDir: join(root, 'logs'),
    stateDir: join(root, 'state'),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** A 1 KiB first line many loggers would write at the top of every file. */
export const BANNER = `# app log v1 ${'='.repeat(1024 - 14)}\n`;
