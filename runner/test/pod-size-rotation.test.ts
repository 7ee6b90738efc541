import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { pacedRequests } from './support/load.js';
import { TestPod } from './support/test-pod.js';
import { sleep, waitFor } from '../../test-support/wait.js';

const SHIPPED_ID = /\breqId=(size-\d+)\b/;

describe("pod: web's size rotation", () => {
  let pod: TestPod | undefined;

  afterEach(async () => {
    await pod?.close();
    pod = undefined;
  });

  it('should ship every request line once while web rotates every few lines', async () => {
    // About 15 request lines per file: web renames web.log to web.log.1 many times a second.
    pod = await TestPod.start({
      secret: { secret: 'rotating' },
      env: { web: { LOG_FILE_MAX_BYTES: '4000' } },
    });
    const started = pod;

    const requests = pacedRequests({
      port: started.port,
      perSecond: 200,
      requestId: (n) => `size-${n}`,
    });
    await sleep(3000);
    const answers = await requests.stop();
    const answered = [...answers].filter(([, a]) => a.status === 200).map(([id]) => id);
    const shippedIds = () => started.shipped().flatMap((text) => SHIPPED_ID.exec(text)?.[1] ?? []);
    await waitFor('every answered id to be shipped', () => {
      const shipped = new Set(shippedIds());
      return answered.every((id) => shipped.has(id));
    }).catch(() => undefined);
    const files = await readdir(join(started.runDir, 'logs'));
    expect(await started.stop()).toBe(true);

    const shipped = shippedIds();
    const missing = answered.filter((id) => !shipped.includes(id));
    // Evidence for a failure: did web print the missing lines, what did the shipper count?
    const printedByWeb = started
      .own('web')
      .filter((line) => missing.some((id) => line.text.includes(`reqId=${id} `)));
    const shipperStats = started
      .own('log-sidecar')
      .filter((line) => line.text.includes('shipper stopped'))
      .map((line) => line.text);
    const evidence = `${printedByWeb.length} of them on web's stdout; ${shipperStats}`;

    expect(files.sort()).toEqual(['web.log', 'web.log.1']);
    expect(answered.length).toBeGreaterThan(500);
    expect(missing, evidence).toEqual([]);
    expect(shipped.length).toBe(new Set(shipped).size);
  });
});
