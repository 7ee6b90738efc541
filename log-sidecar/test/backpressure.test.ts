import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { lines, range, sequence } from './support/log-files.js';
import { Scenario } from './support/scenario.js';
import { sleep } from './support/shipper-process.js';

const MIB = 1024 * 1024;

/** A field of /proc/<pid>/status or /proc/<pid>/io, as a number of bytes. */
async function procField(pid: number, file: 'status' | 'io', field: string): Promise<number> {
  const text = await readFile(`/proc/${pid}/${file}`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)( kB)?`, 'm').exec(text);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/${file}`);
  return Number(match[1]) * (match[2] ? 1024 : 1);
}

describe('log-sidecar backpressure', () => {
  let scenario: Scenario;

  afterEach(async () => {
    await scenario.cleanup();
  });

  it('should stop reading while stdout is not drained and then ship everything', async () => {
    scenario = await Scenario.create();
    // About 16 MiB: far more than a pipe, a stream buffer and a batch hold together.
    const count = 400_000;
    await writeFile(join(scenario.logDir, 'app.log'), lines(1, count, 'x'.repeat(20)));
    const shipper = await scenario.start({ LOG_LEVEL: 'info' });
    shipper.child.stdout?.pause();
    await shipper.waitForLog('following file');
    await sleep(1000);

    const pid = shipper.child.pid as number;
    const readWhilePaused = await procField(pid, 'io', 'rchar');
    const rssWhilePaused = await procField(pid, 'status', 'VmRSS');
    shipper.child.stdout?.resume();
    await shipper.waitForRecords(count, 30_000);

    // rchar also counts the modules node read at start-up (a few MiB).
    expect(readWhilePaused).toBeLessThan(8 * MIB);
    expect(rssWhilePaused).toBeLessThan(80 * MIB);
    expect(sequence(shipper.records())).toEqual(range(1, count));
  });
});
