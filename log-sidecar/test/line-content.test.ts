import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { Scenario } from './support/scenario.js';
import { sleep, type ShipperProcess } from './support/shipper-process.js';

const MIB = 1024 * 1024;
const LIMIT = 262_144;

/** A 1 MiB line, then CRLF, empty lines, invalid bytes and a character split over writes. */
async function writeAwkwardFile(path: string, shipper: ShipperProcess): Promise<void> {
  await writeFile(path, '');
  await shipper.waitForLog('following file');
  await appendFile(path, `${'L'.repeat(MIB)}\nafter the long line\n`);
  await appendFile(path, 'windows\r\n\n\r\n');
  await appendFile(path, Buffer.from([0x62, 0x61, 0x64, 0xff, 0xc3, 0x28, 0x0a]));
  const euro = Buffer.from('costs 5€\n');
  await appendFile(path, euro.subarray(0, 8));
  await sleep(150);
  await appendFile(path, euro.subarray(8));
  await appendFile(path, 'last\n');
}

describe('log-sidecar line content', () => {
  let scenario: Scenario;

  afterEach(async () => {
    await scenario.cleanup();
  });

  it(
    'should cut a 1 MiB line into pieces and ship CRLF, empty, invalid ' + 'and split lines (raw)',
    async () => {
      scenario = await Scenario.create();
      const shipper = await scenario.start();
      await writeAwkwardFile(join(scenario.logDir, 'app.log'), shipper);

      const records = await shipper.waitForRecords(11);
      await sleep(200);

      expect(shipper.records()).toHaveLength(11);
      expect(records.slice(0, 4).map((record) => record.length)).toEqual([
        LIMIT,
        LIMIT,
        LIMIT,
        LIMIT,
      ]);
      expect(records.slice(0, 4).join('')).toBe('L'.repeat(MIB));
      expect(records.slice(4)).toEqual([
        'after the long line',
        'windows',
        '',
        '',
        'bad\uFFFD\uFFFD(',
        'costs 5€',
        'last',
      ]);
      await shipper.stop();
      const stats = shipper.logs().find((log) => log.msg === 'shipper stopped');
      expect(stats).toMatchObject({ longLines: 1, invalidUtf8Lines: 1 });
      expect(shipper.logs().some((log) => log.msg.includes('cut into pieces'))).toBe(true);
    },
  );

  it('should wrap each record in a JSON envelope with the Downward API fields (json)', async () => {
    scenario = await Scenario.create();
    const shipper = await scenario.start({
      OUTPUT_FORMAT: 'json',
      POD_NAME: 'web-7d9f-abcde',
      POD_NAMESPACE: 'shop',
      CONTAINER_NAME: 'web',
    });
    const path = join(scenario.logDir, 'app.log');
    await writeAwkwardFile(path, shipper);

    await shipper.waitForRecords(11);
    const objects = shipper
      .records()
      .map((record) => JSON.parse(record) as Record<string, unknown>);

    for (const object of objects) {
      expect(object).toMatchObject({ file: path, pod: 'web-7d9f-abcde', namespace: 'shop' });
      expect(object.container).toBe('web');
      expect(new Date(String(object.ts)).toISOString()).toBe(object.ts);
    }
    expect(objects.map((object) => object.partial ?? false)).toEqual([
      ...[true, true, true, false],
      ...Array<boolean>(7).fill(false),
    ]);
    expect(objects.slice(4).map((object) => object.message)).toEqual([
      'after the long line',
      'windows',
      '',
      '',
      'bad\uFFFD\uFFFD(',
      'costs 5€',
      'last',
    ]);
  });

  it('should leave out envelope fields whose Downward API variable is unset', async () => {
    scenario = await Scenario.create();
    await writeFile(join(scenario.logDir, 'app.log'), 'a "quoted" \\ line\twith tab\n');
    const shipper = await scenario.start({ OUTPUT_FORMAT: 'json' });

    const [record] = await shipper.waitForRecords(1);
    const object = JSON.parse(record as string) as Record<string, unknown>;

    expect(Object.keys(object)).toEqual(['ts', 'file', 'message']);
    expect(object.message).toBe('a "quoted" \\ line\twith tab');
  });
});
