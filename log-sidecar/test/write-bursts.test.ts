import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { line, range, sequence } from './support/log-files.js';
import { Scenario } from './support/scenario.js';
import { sleep } from './support/shipper-process.js';

describe('log-sidecar following a busy writer', () => {
  let scenario: Scenario;

  afterEach(async () => {
    await scenario.cleanup();
  });

  it('should take many small appends in few batches and still ship each line once, in order', async () => {
    scenario = await Scenario.create();
    const path = join(scenario.logDir, 'app.log');
    await writeFile(path, '');
    const shipper = await scenario.start();
    await sleep(200);

    // A writer under load: one line every 2 ms or so, each in its own write().
    for (let seq = 1; seq <= 200; seq += 1) {
      await appendFile(path, line(seq));
      await sleep(2);
    }
    await shipper.waitForRecords(200);
    await shipper.stop();

    expect(sequence(shipper.records())).toEqual(range(1, 200));
    const stopped = shipper.logs().find((log) => log.msg === 'shipper stopped');
    expect(stopped?.recordsDelivered).toBe(200);
    // One batch per append without the gathering wait; with it, one per 10 ms window or so.
    expect(stopped?.batchesDelivered).toBeLessThan(100);
  });
});
