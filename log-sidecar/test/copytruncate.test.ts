import { copyFile, open, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { BANNER, lines, range, sequence } from './support/log-files.js';
import { Scenario } from './support/scenario.js';
import { sleep, type LogRecord } from './support/shipper-process.js';

/** A writer as applications have it: with O_APPEND, or with its own file position. */
async function openWriter(path: string, appending: boolean): Promise<FileHandle> {
  return open(path, appending ? 'a' : 'w');
}

function stoppedStats(logs: LogRecord[]): LogRecord {
  const stats = logs.find((log) => log.msg === 'shipper stopped');
  if (!stats) throw new Error('no "shipper stopped" line');
  return stats;
}

describe('log-sidecar copytruncate', () => {
  let scenario: Scenario;

  afterEach(async () => {
    await scenario.cleanup();
  });

  const cases = [
    { writer: 'appending', appending: true, banner: false },
    { writer: 'non-appending', appending: false, banner: false },
    { writer: 'appending', appending: true, banner: true },
    { writer: 'non-appending', appending: false, banner: true },
  ];

  it.each(cases)(
    'should ship every line once with an $writer writer (banner: $banner), taking lines ' +
      'not yet read from the copy',
    async ({ appending, banner }) => {
      scenario = await Scenario.create();
      const path = join(scenario.logDir, 'app.log');
      const writer = await openWriter(path, appending);
      await writer.write(`${banner ? BANNER : ''}${lines(1, 50)}`);
      const shipper = await scenario.start();
      const before = banner ? 51 : 50;
      await shipper.waitForRecords(before);

      // Frozen, the shipper cannot read 51-60 before logrotate copies and truncates.
      shipper.child.kill('SIGSTOP');
      await writer.write(lines(51, 60));
      await copyFile(path, `${path}.1`);
      await truncate(path, 0);
      // More than was there before, so the new content outgrows the old offset.
      await writer.write(`${banner ? BANNER : ''}${lines(61, 200)}`);
      shipper.child.kill('SIGCONT');

      const expected = 200 + (banner ? 2 : 0);
      const records = await shipper.waitForRecords(expected);
      await sleep(300);
      await writer.close();

      expect(sequence(shipper.records())).toEqual(range(1, 200));
      expect(records.filter((record) => record === BANNER.trimEnd())).toHaveLength(banner ? 2 : 0);
      const recovered = await shipper.waitForLog('shipped the rest from the copy');
      expect(recovered.recoveredBytes).toBe(Buffer.byteLength(lines(51, 60)));

      expect((await shipper.stop()).code).toBe(0);
      const stats = stoppedStats(shipper.logs());
      expect(stats.truncations).toBe(1);
      expect(stats.nulBytes).toBe(
        appending ? 0 : Buffer.byteLength(lines(1, 60)) + (banner ? 1024 : 0),
      );
    },
  );

  it('should ship new lines after a copytruncate the shipper saw as it happened', async () => {
    scenario = await Scenario.create();
    const path = join(scenario.logDir, 'app.log');
    const writer = await openWriter(path, true);
    await writer.write(lines(1, 20));
    const shipper = await scenario.start();
    await shipper.waitForRecords(20);

    await copyFile(path, `${path}.1`);
    await truncate(path, 0);
    await sleep(100);
    await writer.write(lines(21, 30));
    await shipper.waitForRecords(30);
    await sleep(300);
    await writer.close();

    expect(sequence(shipper.records())).toEqual(range(1, 30));
  });

  const globCopies = [
    { when: 'made while the shipper was frozen', seenFirst: false },
    { when: 'seen by a scan before the truncation', seenFirst: true },
  ];

  it.each(globCopies)(
    'should ship a copy that matches LOG_GLOB only from where the original was read ($when)',
    async ({ seenFirst }) => {
      scenario = await Scenario.create();
      const path = join(scenario.logDir, 'app.log');
      const writer = await openWriter(path, true);
      await writer.write(`${BANNER}${lines(1, 50)}`);
      const shipper = await scenario.start({ LOG_GLOB: 'app.log*' });
      await shipper.waitForRecords(51);

      if (!seenFirst) shipper.child.kill('SIGSTOP');
      await writer.write(lines(51, 60));
      await copyFile(path, `${path}.1`);
      if (seenFirst) await shipper.waitForLog('is a copy of a followed file');
      await truncate(path, 0);
      await writer.write(`${BANNER}${lines(61, 100)}`);
      if (!seenFirst) shipper.child.kill('SIGCONT');

      await shipper.waitForRecords(102);
      await sleep(300);
      await writer.close();

      // Found by a scan as a new file, or by the truncated file's search for its copy.
      const found = shipper
        .logs()
        .filter((log) => /from the copy|from its followed copy/.test(log.msg));
      expect(sequence(shipper.records())).toEqual(range(1, 100));
      expect(found).toHaveLength(1);
    },
  );
});
