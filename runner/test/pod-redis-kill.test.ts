import { afterEach, describe, expect, it } from 'vitest';

import { httpGet } from '../../test-support/http-get.js';
import { runClients } from './support/load.js';
import { sentence } from './support/sentence.js';
import { isAlive } from './support/process-tree.js';
import { TestPod } from './support/test-pod.js';
import { sleep } from '../../test-support/wait.js';

const VALUE = 'survives a Redis kill';
// web reconnects with a backoff capped at 1 s plus 50 ms of jitter (web/src/redis-client.ts):
// it may take that long after the re-seed to try again.
const RECONNECT_MARGIN_MS = 1500;

describe('pod: Redis killed under load', () => {
  let pod: TestPod | undefined;

  afterEach(async () => {
    await pod?.close();
    pod = undefined;
  });

  it('should fail only between the kill and the re-seed, then serve the value again', async () => {
    pod = await TestPod.start({ secret: { secret: VALUE } });
    const started = pod;
    const oldRedis = await started.redisPid();

    const load = runClients({ port: started.port, clients: 20, durationMs: 8000 });
    await sleep(2000);
    const killedAt = Date.now();
    process.kill(oldRedis, 'SIGKILL');
    const reseeded = await started.waitForLine(
      'the secret sidecar to seed the new Redis',
      (line) => line.source === 'secret-sidecar' && line.text.includes('Secret seeded into Redis'),
      { since: killedAt },
    );
    const answers = await load;
    const after = await httpGet(started.port, '/');

    const window = { from: killedAt, to: reseeded.at + RECONNECT_MARGIN_MS };
    const failures = answers.filter((answer) => answer.status !== 200);
    const outside = failures.filter(
      (answer) => answer.endedAt < window.from || answer.startedAt > window.to,
    );
    const afterWindow = answers.filter((answer) => answer.startedAt > window.to);
    const lastFailureMs = Math.max(...failures.map((answer) => answer.endedAt)) - killedAt;
    console.log(
      `Redis kill: ${answers.length} answers, ${failures.length} non-200 ` +
        `(${outside.length} outside the window); re-seeded ${reseeded.at - killedAt} ms ` +
        `after the kill; last failure ended ${lastFailureMs} ms after`,
    );

    expect(isAlive(oldRedis)).toBe(false);
    expect(await started.redisPid()).not.toBe(oldRedis);
    expect(answers.filter((answer) => answer.error !== undefined)).toEqual([]);
    expect(failures.filter((answer) => answer.status !== 503)).toEqual([]);
    expect(outside.map((answer) => [answer.status, answer.startedAt - killedAt])).toEqual([]);
    for (const answer of answers.filter((a) => a.status === 200)) {
      expect(answer.body.toString('utf8')).toBe(sentence(VALUE));
    }
    expect(afterWindow.length).toBeGreaterThan(100);
    expect(after.status).toBe(200);
    expect(after.body.toString('utf8')).toBe(sentence(VALUE));
    expect((await httpGet(started.port, '/readyz')).status).toBe(200);
    expect((await httpGet(started.secretHealthPort, '/readyz')).status).toBe(200);
  });
});
