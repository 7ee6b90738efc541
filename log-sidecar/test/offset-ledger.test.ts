import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { Batch } from '../src/batch.js';
import { CheckpointStore } from '../src/checkpoint-store.js';
import { EMPTY_FINGERPRINT } from '../src/file-identity.js';
import { OffsetLedger } from '../src/offset-ledger.js';

function deliveredBatch(offset: number): Batch {
  const batch = new Batch();
  batch.records = 1;
  batch.mark({
    key: '1:2',
    path: '/var/log/app/app.log',
    offset,
    tail: Buffer.from(`line ${offset}\n`),
    head: EMPTY_FINGERPRINT,
  });
  return batch;
}

describe('OffsetLedger', () => {
  let dir: string;

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('should have every delivered batch on disk once commit() resolves', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-sidecar-ledger-'));
    const store = new CheckpointStore(dir);
    await store.prepare();
    const ledger = new OffsetLedger(store, {
      syncIntervalMs: 60_000,
      onSaveError: () => {},
      onSaveRecovered: () => {},
    });
    ledger.start();

    const saved: number[] = [];
    for (let offset = 1; offset <= 5; offset++) {
      ledger.delivered(deliveredBatch(offset));
      await ledger.commit();
      saved.push(...(await store.load()).map((entry) => entry.offset));
    }
    await ledger.flush();

    expect(saved).toEqual([1, 2, 3, 4, 5]);
    expect(ledger.savedAt).toBeGreaterThan(0);
  });

  it('should never let two writes race, and flush the last state', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-sidecar-ledger-'));
    const store = new CheckpointStore(dir);
    await store.prepare();
    const errors: Error[] = [];
    const ledger = new OffsetLedger(store, {
      syncIntervalMs: 1,
      onSaveError: (error) => errors.push(error),
      onSaveRecovered: () => {},
    });
    ledger.start();

    for (let offset = 1; offset <= 300; offset++) {
      ledger.delivered(deliveredBatch(offset));
      void ledger.commit();
      if (offset % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await ledger.flush();
    const saved = await store.load();

    expect(errors).toEqual([]);
    expect(saved.map((entry) => [entry.key, entry.offset])).toEqual([['1:2', 300]]);
    expect(await readdir(dir)).toEqual(['checkpoints.json']);
  });

  it('should report a failing write once, keep going, and report the recovery', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-sidecar-ledger-'));
    const store = new CheckpointStore(join(dir, 'state'));
    await store.prepare();
    const events: string[] = [];
    const ledger = new OffsetLedger(store, {
      syncIntervalMs: 60_000,
      onSaveError: (error) => events.push(`error ${(error as NodeJS.ErrnoException).code}`),
      onSaveRecovered: (failures) => events.push(`recovered after ${failures}`),
    });

    await rm(join(dir, 'state'), { recursive: true });
    for (let offset = 1; offset <= 3; offset++) {
      ledger.delivered(deliveredBatch(offset));
      await ledger.commit();
    }
    await store.prepare();
    ledger.delivered(deliveredBatch(4));
    await ledger.commit();

    expect(events).toEqual(['error ENOENT', 'recovered after 3']);
    expect(ledger.writeFailures).toBe(3);
    expect((await store.load()).map((entry) => entry.offset)).toEqual([4]);
  });

  it('should drop the entry of a file once its removal is delivered', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-sidecar-ledger-'));
    const store = new CheckpointStore(dir);
    await store.prepare();
    const ledger = new OffsetLedger(store, {
      syncIntervalMs: 1000,
      onSaveError: () => {},
      onSaveRecovered: () => {},
    });

    ledger.delivered(deliveredBatch(10));
    const removal = new Batch();
    removal.mark({ key: '1:2', removed: true });
    ledger.delivered(removal);
    await ledger.flush();

    expect(await store.load()).toEqual([]);
  });
});
