import { appendFile, copyFile, mkdir, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { BANNER, lines, range, sequence } from './support/log-files.js';
import { Scenario, sortedNumbers } from './support/scenario.js';
import { sleep } from './support/shipper-process.js';

/** What happens to app.log (with lines 1-10 already shipped) while the shipper is down. */
interface WhileDown {
  name: string;
  banner: string;
  change(path: string): Promise<void>;
  expected: number[];
}

const changes: WhileDown[] = [
  {
    name: 'appended 5 lines',
    banner: '',
    change: (path) => appendFile(path, lines(11, 15)),
    expected: range(11, 15),
  },
  {
    name: 'renamed it and created a new file with 3 lines',
    banner: '',
    change: async (path) => {
      await rename(path, `${path}.1`);
      await writeFile(path, lines(11, 13));
    },
    expected: range(11, 13),
  },
  {
    name: 'appended 2 lines, renamed it and created a new file with 3 lines',
    banner: '',
    change: async (path) => {
      await appendFile(path, lines(11, 12));
      await rename(path, `${path}.1`);
      await writeFile(path, lines(13, 15));
    },
    expected: range(11, 15),
  },
  {
    name: 'appended 2 lines, then copytruncate and 3 new lines (same banner)',
    banner: BANNER,
    change: async (path) => {
      await appendFile(path, lines(11, 12));
      await copyFile(path, `${path}.1`);
      await truncate(path, 0);
      await writeFile(path, `${BANNER}${lines(13, 15)}`);
    },
    expected: range(11, 15),
  },
  {
    name: 'overwrote it in place with more bytes than before (same inode, same banner)',
    banner: BANNER,
    change: (path) => writeFile(path, `${BANNER}${lines(101, 120)}`),
    expected: range(101, 120),
  },
  {
    name: 'deleted it and created a new file (its inode may be reused)',
    banner: '',
    change: async (path) => {
      await rm(path);
      await writeFile(path, lines(101, 103));
    },
    expected: range(101, 103),
  },
];

describe('log-sidecar restart', () => {
  let scenario: Scenario;

  afterEach(async () => {
    await scenario.cleanup();
  });

  it.each(changes)(
    'should ship exactly the new lines after a clean stop when the file was $name',
    async ({ banner, change, expected }) => {
      scenario = await Scenario.create();
      const path = join(scenario.logDir, 'app.log');
      await writeFile(path, `${banner}${lines(1, 10)}`);
      const first = await scenario.start();
      await first.waitForRecords(banner ? 11 : 10);
      expect((await first.stop()).code).toBe(0);

      await change(path);
      const second = await scenario.start();
      await second.waitForRecords(expected.length);
      await sleep(400);

      expect(sequence(first.records())).toEqual(range(1, 10));
      expect(sequence(second.records())).toEqual(expected);
      expect((await second.stop()).code).toBe(0);
    },
  );

  // At a minute no snapshot runs, so only the journal line after every batch can keep the
  // repeats within one batch; at 5 ms snapshots switch journals all the time around the kill.
  const snapshotIntervals = [
    { snapshots: 'never', interval: '60000' },
    { snapshots: 'every 5 ms', interval: '5' },
  ];

  it.each(snapshotIntervals)(
    'should miss nothing after kill -9 and repeat at most one batch, snapshots $snapshots',
    async ({ interval }) => {
      scenario = await Scenario.create();
      const path = join(scenario.logDir, 'app.log');
      const env = { BATCH_MAX_LINES: '100', CHECKPOINT_INTERVAL_MS: interval };
      await writeFile(path, '');
      const first = await scenario.start(env);
      await first.waitForLog('following file');

      let next = 1;
      const writeSome = async (count: number) => {
        await appendFile(path, lines(next, next + count - 1));
        next += count;
      };
      while (first.records().length < 3000) {
        await writeSome(250);
        await sleep(5);
      }
      await first.kill();
      await writeSome(500);

      const second = await scenario.start(env);
      const total = next - 1;
      await second.waitFor(
        () => sequence(second.records()).includes(total),
        10_000,
        `line ${total}`,
      );
      await second.stop();
      const shipped = [...sequence(first.records()), ...sequence(second.records())];
      const unique = [...new Set(shipped)];
      const repeated = shipped.length - unique.length;

      expect(sortedNumbers(unique)).toEqual(range(1, total));
      expect(repeated).toBeLessThanOrEqual(100);
      expect(sequence(second.records())[0]).toBeLessThanOrEqual(
        sequence(first.records()).at(-1)! + 1,
      );
    },
  );

  it(
    'should ship a line left unterminated at shutdown exactly once, ' + 'after restart and the LF',
    async () => {
      scenario = await Scenario.create();
      const path = join(scenario.logDir, 'app.log');
      await writeFile(path, `${lines(1, 3)}seq=000004 unfini`);
      const first = await scenario.start();
      await first.waitForRecords(3);
      await sleep(200);
      expect((await first.stop()).code).toBe(0);

      await appendFile(path, `shed\n${lines(5, 5)}`);
      const second = await scenario.start();
      await second.waitForRecords(2);
      await sleep(300);

      expect(first.records()).toEqual(lines(1, 3).trimEnd().split('\n'));
      expect(second.records()).toEqual(['seq=000004 unfinished', 'seq=000005 request handled']);
    },
  );

  it('should join a line written in two parts with a pause into one record', async () => {
    scenario = await Scenario.create();
    const path = join(scenario.logDir, 'app.log');
    await writeFile(path, '');
    const shipper = await scenario.start();
    await shipper.waitForLog('following file');

    await appendFile(path, 'hel');
    await sleep(300);
    expect(shipper.records()).toEqual([]);
    await appendFile(path, 'lo\n');
    await shipper.waitForRecords(1);
    await sleep(200);

    expect(shipper.records()).toEqual(['hello']);
  });

  it('should read every file from the start when the checkpoint file is corrupt', async () => {
    scenario = await Scenario.create();
    await writeFile(join(scenario.logDir, 'app.log'), lines(1, 5));
    await mkdir(scenario.stateDir, { recursive: true });
    await writeFile(join(scenario.stateDir, 'checkpoints.json'), '{"version": 1, "files": [');
    const shipper = await scenario.start();
    await shipper.waitForRecords(5);
    const warning = await shipper.waitForLog('checkpoint unreadable');

    expect(sequence(shipper.records())).toEqual(range(1, 5));
    expect(String(warning.movedTo)).toContain('checkpoints.json.corrupt-');
  });
});
