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

  it('should save by count and by time without two writes racing, and flush the last state', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-sidecar-ledger-'));
    const store = new CheckpointStore(dir);
    await store.prepare();
    const errors: Error[] = [];
    const ledger = new OffsetLedger(store, {
      intervalMs: 1,
      maxRecords: 1,
      onSaveError: (error) => errors.push(error),
    });
    ledger.start();

    for (let offset = 1; offset <= 300; offset++) {
      ledger.delivered(deliveredBatch(offset));
      if (offset % 25 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await ledger.flush();
    const saved = await store.load();

    expect(errors).toEqual([]);
    expect(saved.map((entry) => [entry.key, entry.offset])).toEqual([['1:2', 300]]);
    expect(await readdir(dir)).toEqual(['checkpoints.json']);
  });

  it('should drop the entry of a file once its removal is delivered', async () => {
    dir = await mkdtemp(join(tmpdir(), 'log-sidecar-ledger-'));
    const store = new CheckpointStore(dir);
    await store.prepare();
    const ledger = new OffsetLedger(store, {
      intervalMs: 1000,
      maxRecords: 1000,
      onSaveError: () => {},
    });

    ledger.delivered(deliveredBatch(10));
    const removal = new Batch();
    removal.mark({ key: '1:2', removed: true });
    ledger.delivered(removal);
    await ledger.flush();

    expect(await store.load()).toEqual([]);
  });
});
