import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { SecretDir } from '../../bench/lib/secret-dir.js';
import { freePort } from '../src/free-port.js';
import { EntryProcess } from './support/entry-process.js';
import { httpGet, type Answer } from '../../test-support/http-get.js';
import { sentence } from './support/sentence.js';
import { sleep, waitFor } from '../../test-support/wait.js';

const OUTAGE_MS = 10_000;
const PASSWORD = 'late-redis-password';

interface LogRecord {
  time: string;
  msg: string;
}

describe('pod: Redis starts 10 s after web', () => {
  let dir: string;
  let secret: SecretDir;
  const processes: EntryProcess[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sidecar-pod-late-redis-'));
    secret = await SecretDir.create({ secret: 'late but here' });
  });

  afterEach(async () => {
    for (const child of processes.splice(0)) await child.stop();
    await secret.remove();
    await rm(dir, { recursive: true, force: true });
  });

  it('should answer 503 within 2 s, log little, then serve 200 with no restart', async () => {
    const [webPort, redisPort, healthPort] = [await freePort(), await freePort(), await freePort()];
    const logFile = join(dir, 'web.log');
    const web = new EntryProcess('web', {
      HOST: '127.0.0.1',
      PORT: String(webPort),
      METRICS_PORT: String(await freePort()),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_USERNAME: 'web',
      REDIS_PASSWORD: PASSWORD,
      LOG_FILE: logFile,
    });
    processes.push(web);
    await waitFor('web to listen', async () => (await httpGet(webPort, '/healthz')).status === 200);
    const webPid = web.pid;

    // Nothing listens on the Redis port yet: every answer is a quick 503.
    const outageStart = Date.now();
    const outage: Answer[] = [];
    while (Date.now() - outageStart < OUTAGE_MS) {
      outage.push(await httpGet(webPort, '/'));
      await sleep(200);
    }
    const redisStartedAt = Date.now();

    const sidecar = new EntryProcess('secret-sidecar', {
      REDIS_BIND: '127.0.0.1',
      REDIS_PORT: String(redisPort),
      HEALTH_HOST: '127.0.0.1',
      HEALTH_PORT: String(healthPort),
      METRICS_PORT: String(await freePort()),
      SECRET_DIR: secret.path,
      WEB_REDIS_PASSWORD: PASSWORD,
      ...(process.env.REDIS_SERVER ? { REDIS_SERVER: process.env.REDIS_SERVER } : {}),
    });
    processes.push(sidecar);
    await waitFor(
      'secret-sidecar to be ready',
      async () => (await httpGet(healthPort, '/readyz')).status === 200,
      10_000,
    );
    const seededAt = Date.now();
    let served: Answer | undefined;
    await waitFor(
      'web to serve the secret',
      async () => (served = await httpGet(webPort, '/')).status === 200,
      5000,
    );
    const recoveryMs = served!.endedAt - seededAt;

    const records = (await readFile(logFile, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogRecord);
    // Start-up lines count too: the whole time without Redis must stay a few lines.
    const outageLines = records.filter((record) => {
      const time = Date.parse(record.time);
      return time < redisStartedAt && record.msg !== 'request completed';
    });
    console.log(
      `late Redis: ${outage.length} answers during ${OUTAGE_MS} ms, slowest ` +
        `${Math.max(...outage.map((a) => a.endedAt - a.startedAt))} ms; ` +
        `${outageLines.length} non-request log lines; 200 ${recoveryMs} ms after seeding`,
    );

    expect(outage.length).toBeGreaterThan(20);
    for (const answer of outage) {
      expect(answer.status).toBe(503);
      expect(answer.endedAt - answer.startedAt).toBeLessThan(2000);
      expect(JSON.parse(answer.body.toString('utf8'))).toMatchObject({
        reason: 'redis unreachable',
      });
    }
    const shown = outageLines.map((record) => `${record.time} ${record.msg}`).join('\n');
    expect(outageLines.length, shown).toBeLessThan(20);
    expect(outageLines.some((record) => record.msg.startsWith('Redis unreachable'))).toBe(true);
    expect(served!.body.toString('utf8')).toBe(sentence('late but here'));
    expect(recoveryMs).toBeLessThan(3000);
    expect(web.running).toBe(true);
    expect(web.pid).toBe(webPid);
  });
});
