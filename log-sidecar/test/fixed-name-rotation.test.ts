import { open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { lines, range, sequence } from './support/log-files.js';
import { isIncreasing, Scenario } from './support/scenario.js';
import { sleep } from './support/shipper-process.js';

/** web's own size rotation: rename app.log over app.log.1, then open a new app.log. */
async function rotate(path: string): Promise<void> {
  await rename(path, `${path}.1`);
  await writeFile(path, '');
}

describe('log-sidecar rotation over a fixed .1 name', () => {
  let scenario: Scenario;

  afterEach(async () => {
    await scenario.cleanup();
  });

  it('should ship a file that was renamed to app.log.1 before the shipper saw it', async () => {
    scenario = await Scenario.create();
    const path = join(scenario.logDir, 'app.log');
    await writeFile(path, lines(1, 10));
    const shipper = await scenario.start({ ROTATE_GRACE_MS: '300' });
    await shipper.waitForRecords(10);

    // Frozen, the shipper handles the creation of the second file only once it is app.log.1:
    // opening app.log then opens the third file.
    shipper.child.kill('SIGSTOP');
    await rotate(path);
    await writeFile(path, lines(11, 20), { flag: 'a' });
    await rotate(path);
    await writeFile(path, lines(21, 30), { flag: 'a' });
    shipper.child.kill('SIGCONT');

    await shipper.waitForRecords(30);
    await sleep(300);
    const shipped = sequence(shipper.records());

    expect(shipped).toEqual(range(1, 30));
    const found = shipper.logs().filter((log) => log.msg?.startsWith('file was rotated before'));
    expect(found).toHaveLength(1);
    expect((await shipper.stop()).code).toBe(0);
  });

  it('should ship every line once, in order per file, rotating every 60 ms', async () => {
    scenario = await Scenario.create();
    const path = join(scenario.logDir, 'app.log');
    await writeFile(path, '');
    const shipper = await scenario.start({ ROTATE_GRACE_MS: '300', POLL_INTERVAL_MS: '100' });
    await shipper.waitForLog('following file');

    const total = 2400;
    const perFile = 40;
    let file = await open(path, 'a');
    for (let seq = 1; seq <= total; seq += 10) {
      await file.write(lines(seq, seq + 9));
      if ((seq + 9) % perFile === 0) {
        await rename(path, `${path}.1`);
        const rotated = file;
        file = await open(path, 'a');
        await rotated.close();
      }
      await sleep(15);
    }
    await file.close();

    await shipper.waitForRecords(total, 20_000).catch(() => undefined);
    await sleep(300);
    const shipped = sequence(shipper.records());
    const once = new Set(shipped);
    const missing = range(1, total).filter((seq) => !once.has(seq));

    expect(missing).toEqual([]);
    expect(shipped).toHaveLength(total);
    for (let first = 1; first <= total; first += perFile) {
      const own = shipped.filter((seq) => seq >= first && seq < first + perFile);
      expect(isIncreasing(own)).toBe(true);
    }
  });
});
