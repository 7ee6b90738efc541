import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { Batch } from '../src/batch.js';
import { CheckpointStore } from '../src/checkpoint-store.js';
import { EMPTY_FINGERPRINT } from '../src/file-identity.js';
import { OffsetLedger, type LedgerOptions } from '../src/offset-ledger.js';
import { sleep } from './support/shipper-process.js';

function deliveredBatch(offset: number, key = '1:2'): Batch {
  const batch = new Batch();
  batch.records = 1;
  batch.mark({
    key,
    path: '/var/log/app/app.log',
    offset,
    tail: Buffer.from(`line ${offset}\n`),
    head: EMPTY_FINGERPRINT,
  });
  return batch;
}

/** What a shipper starting now would load from `dir`. */
async function offsetsOnDisk(dir: string): Promise<Array<[string, number]>> {
  const store = new CheckpointStore(dir);
  return (await store.load()).map((entry) => [entry.key, entry.offset]);
}

const QUIET: LedgerOptions = {
  syncIntervalMs: 60_000,
  onSaveError: () => {},
  onSaveRecovered: () => {},
};

describe('OffsetLedger', () => {
  let dir: string;
  let ledger: OffsetLedger | undefined;

  afterEach(async () => {
    await ledger?.flush().catch(() => undefined);
    ledger = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  async function startLedger(options: LedgerOptions): Promise<CheckpointStore> {
    dir = await mkdtemp(join(tmpdir(), 'log-sidecar-ledger-'));
    const store = new CheckpointStore(dir);
    await store.prepare();
    ledger = new OffsetLedger(store, options);
    ledger.seed(await store.load());
    await ledger.start();
    return store;
  }

  it('should have each delivered batch on disk when delivered() returns', async () => {
    await startLedger(QUIET);

    const seen: Array<Array<[string, number]>> = [];
    for (let offset = 1; offset <= 3; offset++) {
      ledger!.delivered(deliveredBatch(offset, `1:${offset}`));
      seen.push(await offsetsOnDisk(dir));
    }

    expect(seen).toEqual([
      [['1:1', 1]],
      [
        ['1:1', 1],
        ['1:2', 2],
      ],
      [
        ['1:1', 1],
        ['1:2', 2],
        ['1:3', 3],
      ],
    ]);
  });

  it('should keep every change through snapshots taken while batches arrive', async () => {
    await startLedger({ ...QUIET, syncIntervalMs: 1 });

    for (let offset = 1; offset <= 300; offset++) {
      ledger!.delivered(deliveredBatch(offset));
      if (offset % 25 === 0) await sleep(2);
    }
    // Read only once no snapshot is in flight (start-up never reads while one is written): the
    // last one leaves a single journal, the one that follows it.
    const journals = async () =>
      (await readdir(dir)).filter((name) => name.endsWith('.journal')).length;
    const deadline = Date.now() + 5000;
    while ((await journals()) !== 1 && Date.now() < deadline) await sleep(10);
    await sleep(20);
    const running = await offsetsOnDisk(dir);
    const left = await journals();
    await ledger!.flush();

    expect(left).toBe(1);
    expect(running).toEqual([['1:2', 300]]);
    expect(await offsetsOnDisk(dir)).toEqual([['1:2', 300]]);
    expect(await readdir(dir)).toEqual(['checkpoints.json']);
  });

  it('should drop the entry of a file once its removal is delivered', async () => {
    await startLedger(QUIET);

    ledger!.delivered(deliveredBatch(10));
    const removal = new Batch();
    removal.mark({ key: '1:2', removed: true });
    ledger!.delivered(removal);

    expect(await offsetsOnDisk(dir)).toEqual([]);
  });

  it('should report failing snapshots once, keep journaling, and report the recovery', async () => {
    const events: string[] = [];
    const store = await startLedger({
      syncIntervalMs: 10,
      onSaveError: (error) => events.push(`error ${(error as NodeJS.ErrnoException).code}`),
      onSaveRecovered: () => events.push('recovered'),
    });

    await rm(dir, { recursive: true });
    ledger!.delivered(deliveredBatch(1));
    await sleep(100);
    await store.prepare();
    ledger!.delivered(deliveredBatch(2));
    await sleep(100);

    expect(events).toEqual(['error ENOENT', 'recovered']);
    expect(ledger!.writeFailures).toBeGreaterThan(1);
    expect(await offsetsOnDisk(dir)).toEqual([['1:2', 2]]);
  });
});

describe('CheckpointStore journal replay', () => {
  let dir: string;

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const entry = (offset: number) => ({
    key: '1:2',
    path: '/var/log/app/app.log',
    offset,
    head: EMPTY_FINGERPRINT,
    tailLength: 0,
    tailHash: 'x',
  });

  it('should ignore a last line a crash cut short', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-sidecar-journal-'));
    const line = (offset: number) => JSON.stringify([entry(offset)]);
    await writeFile(join(dir, 'checkpoints.1.journal'), `${line(5)}\n${line(9)}`.slice(0, -20));
    const store = new CheckpointStore(dir);

    expect((await store.load()).map((found) => found.offset)).toEqual([5]);
    expect(store.damage).toBeUndefined();
  });

  it('should stop at an unreadable line, report it and use what came before', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-sidecar-journal-'));
    const lines = [[entry(5)], 'garbage', [entry(9)]].map((line) => JSON.stringify(line));
    await writeFile(join(dir, 'checkpoints.3.journal'), `${lines.join('\n')}\n`);
    await writeFile(join(dir, 'checkpoints.4.journal'), `${JSON.stringify([entry(12)])}\n`);
    const store = new CheckpointStore(dir);

    expect((await store.load()).map((found) => found.offset)).toEqual([5]);
    expect(store.damage).toEqual({ file: join(dir, 'checkpoints.3.journal'), line: 2 });
  });

  it('should apply only the journals that follow the snapshot, oldest first', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-sidecar-journal-'));
    const store = new CheckpointStore(dir);
    await store.save([entry(100)], 7);
    await writeFile(join(dir, 'checkpoints.6.journal'), `${JSON.stringify([entry(50)])}\n`);
    await writeFile(join(dir, 'checkpoints.8.journal'), `${JSON.stringify([entry(300)])}\n`);
    await writeFile(join(dir, 'checkpoints.7.journal'), `${JSON.stringify([entry(200)])}\n`);
    const snapshot = JSON.parse(await readFile(store.file, 'utf8')) as { journal: number };

    expect(snapshot.journal).toBe(7);
    expect((await store.load()).map((found) => found.offset)).toEqual([300]);
  });
});
