import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { BANNER, line, lines, range, sequence } from './support/log-files.js';
import { isIncreasing, Scenario } from './support/scenario.js';
import { sleep } from './support/shipper-process.js';

const WHOLE_LINE = /^seq=\d{6} request handled$/;

describe('log-sidecar overwrite in place', () => {
  let scenario: Scenario;

  afterEach(async () => {
    await scenario.cleanup();
  });

  it(
    'should never repeat a line or start a record mid-line when every ' +
      '10th of 50 writes uses >',
    async () => {
      scenario = await Scenario.create();
      const path = join(scenario.logDir, 'app.log');
      await writeFile(path, '');
      const shipper = await scenario.start();
      await shipper.waitForLog('following file');

      for (let seq = 1; seq <= 50; seq++) {
        if (seq % 10 === 0) await writeFile(path, line(seq));
        else await appendFile(path, line(seq));
        await sleep(15);
      }
      await sleep(500);
      await shipper.stop();
      const records = shipper.records();
      const shipped = sequence(records);
      const missing = range(1, 50).filter((seq) => !shipped.includes(seq));
      const truncations = shipper
        .logs()
        .filter((log) => log.msg.includes('truncated or overwritten'));

      expect(records.every((record) => WHOLE_LINE.test(record))).toBe(true);
      expect(isIncreasing(shipped)).toBe(true);
      expect(shipped.every((seq) => seq >= 1 && seq <= 50)).toBe(true);
      // Every overwrite is reported; a line lost to one can only be lost right before it.
      expect(truncations).toHaveLength(5);
      expect(missing.every((seq) => seq % 10 !== 0)).toBe(true);
    },
  );

  const overwrites = [
    { content: 'plain lines', banner: '' },
    { content: 'the same 1 KiB banner', banner: BANNER },
  ];

  it.each(overwrites)(
    'should read an overwrite that outgrew the old offset from its start and report the ' +
      'overwritten lines it never saw ($content)',
    async ({ banner }) => {
      scenario = await Scenario.create();
      const path = join(scenario.logDir, 'app.log');
      await writeFile(path, `${banner}${lines(1, 10)}`);
      const shipper = await scenario.start();
      await shipper.waitForRecords(banner ? 11 : 10);

      // While the shipper is frozen the file is overwritten with more bytes than it had:
      // the size check alone would take this for an append and resume mid-line.
      shipper.child.kill('SIGSTOP');
      await appendFile(path, lines(11, 15));
      await writeFile(path, `${banner}${lines(101, 130)}`);
      shipper.child.kill('SIGCONT');

      await shipper.waitForRecords(banner ? 42 : 40);
      await sleep(300);
      const records = shipper.records();
      const warning = await shipper.waitForLog('truncated or overwritten in place');

      expect(sequence(records)).toEqual([...range(1, 10), ...range(101, 130)]);
      expect(records.filter((record) => record === BANNER.trimEnd())).toHaveLength(banner ? 2 : 0);
      expect(warning.level).toBe('warn');
      expect(warning.offset).toBe(Buffer.byteLength(`${banner}${lines(1, 10)}`));
    },
  );
});
