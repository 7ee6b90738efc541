import { open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { line, lines, range, sequence } from './support/log-files.js';
import { isIncreasing, Scenario, sortedNumbers } from './support/scenario.js';
import { sleep } from './support/shipper-process.js';

describe('log-sidecar rename rotation', () => {
  let scenario: Scenario;

  afterEach(async () => {
    await scenario.cleanup();
  });

  const schemes = [
    { rotatedName: 'app.log.1', insideGlob: false },
    { rotatedName: 'app.1.log', insideGlob: true },
  ];

  it.each(schemes)(
    'should ship every line once when app.log is renamed to $rotatedName, the new file ' +
      'appears within 100 ms and the old descriptor writes one more line',
    async ({ rotatedName }) => {
      scenario = await Scenario.create();
      const path = join(scenario.logDir, 'app.log');
      const oldFile = await open(path, 'a');
      await oldFile.write(lines(1, 100));
      const shipper = await scenario.start();
      await shipper.waitForRecords(100);

      // Lines the shipper has probably not read yet when the rename happens.
      await oldFile.write(lines(101, 200));
      await rename(path, join(scenario.logDir, rotatedName));
      await sleep(30);
      const newFile = await open(path, 'a');
      await newFile.write(lines(202, 300));
      // The writer has not reopened yet: one more line lands in the renamed file.
      await oldFile.write(line(201));
      await oldFile.close();
      await newFile.write(lines(301, 400));
      await newFile.close();

      await shipper.waitForRecords(400);
      await sleep(500);
      const shipped = sequence(shipper.records());

      expect(sortedNumbers(shipped)).toEqual(range(1, 400));
      expect(isIncreasing(shipped.filter((seq) => seq <= 201))).toBe(true);
      expect(isIncreasing(shipped.filter((seq) => seq >= 202))).toBe(true);
      expect((await shipper.stop()).code).toBe(0);
    },
  );

  it('should let go of the rotated file after it stayed idle for ROTATE_GRACE_MS', async () => {
    scenario = await Scenario.create();
    const path = join(scenario.logDir, 'app.log');
    const oldFile = await open(path, 'a');
    await oldFile.write(lines(1, 10));
    const shipper = await scenario.start({ ROTATE_GRACE_MS: '200' });
    await shipper.waitForRecords(10);

    await rename(path, `${path}.1`);
    await oldFile.write(line(11));
    await oldFile.close();
    const finished = await shipper.waitForLog('finished rotated file', 5000);
    await oldFile.close().catch(() => undefined);

    expect(finished.file).toBe(path);
    expect(sequence(shipper.records())).toEqual(range(1, 11));
  });

  it('should ship every line once, in order, rotating 8 files every 250 lines', async () => {
    scenario = await Scenario.create();
    const files = 8;
    const perFile = 2000;
    // Every first generation exists and is followed before rotation starts: a file created and
    // renamed away before the shipper first looks at the directory cannot be seen at all.
    for (let index = 0; index < files; index++) {
      await writeFile(join(scenario.logDir, `f${index}.log`), '');
    }
    const shipper = await scenario.start({ ROTATE_GRACE_MS: '200' });
    await shipper.waitFor(
      () => shipper.logs().filter((log) => log.msg === 'following file').length >= files,
      10_000,
      `${files} files followed`,
    );

    await Promise.all(
      Array.from({ length: files }, async (_, index) => {
        const path = join(scenario.logDir, `f${index}.log`);
        let file = await open(path, 'a');
        for (let seq = 1; seq <= perFile; seq += 50) {
          await file.write(lines(seq, seq + 49, `file ${index}`));
          if ((seq + 49) % 250 === 0) {
            await rename(path, `${path}.${seq + 49}`);
            const rotated = file;
            file = await open(path, 'a');
            await rotated.close();
          }
          await sleep(5);
        }
        await file.close();
      }),
    );

    await shipper.waitForRecords(files * perFile, 20_000);
    await sleep(300);
    const records = shipper.records();
    // Order holds per file, across its generations.
    for (let index = 0; index < files; index++) {
      const shipped = sequence(records.filter((record) => record.endsWith(` file ${index}`)));
      expect(shipped).toEqual(range(1, perFile));
    }
    expect(records).toHaveLength(files * perFile);
  });
});
