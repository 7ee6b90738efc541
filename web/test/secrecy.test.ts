import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { waitFor } from '../../test-support/wait.js';
import { adminClient, cacheLive, createWeb, REDIS_CONFIG } from './support/web-fixture.js';
import { spawnWeb } from './support/web-process.js';

const SECRET = 'S3cr3t-Value-9d1f';

describe('secret confinement', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;

  beforeAll(async () => {
    redis = await startRedis({ config: REDIS_CONFIG });
    admin = adminClient(redis);
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  it('should keep the value out of logs, headers, metrics and every body but GET /', async () => {
    await admin.set('secret', SECRET);
    const web = createWeb(redis);
    try {
      await cacheLive(web);
      const exposed: string[] = [];
      const record = (res: request.Response, bodyMayHoldIt: boolean): void => {
        exposed.push(JSON.stringify(res.headers));
        if (!bodyMayHoldIt) exposed.push(res.text ?? '');
      };

      const root = await request(web.app).get('/').set('x-request-id', 'confinement-1');
      expect(root.text).toContain(SECRET);
      record(root, true);
      record(await request(web.app).head('/'), false);
      record(await request(web.app).get('/readyz'), false);
      record(await request(web.app).get('/healthz'), false);
      record(await request(web.app).get('/nope'), false);
      record(await request(web.app).post('/').send(SECRET), false);
      record(await request(web.app).get('/%E0%A4%A'), false);

      await admin.del('secret');
      await waitFor('the deletion', async () => (await request(web.app).get('/')).status === 503);
      record(await request(web.app).get('/'), false);
      record(await request(web.app).get('/readyz'), false);

      await redis.stop();
      record(await request(web.app).get('/'), false);
      await redis.start();

      exposed.push(await web.services.metrics.registry.metrics());
      expect(exposed.filter((text) => text.includes(SECRET))).toEqual([]);
      expect(web.logs.lines().length).toBeGreaterThan(10);
      expect(web.logs.text()).not.toContain(SECRET);
    } finally {
      await web.close();
    }
  });
});

describe('secret confinement in the running process', () => {
  const URL_PASSWORD = 'url-pw-6b0e';
  const ENV_PASSWORD = 'env-pw-a41c';
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;
  let dir: string;

  beforeAll(async () => {
    redis = await startRedis({ config: [...REDIS_CONFIG, `requirepass ${URL_PASSWORD}`] });
    admin = adminClient(redis, { password: URL_PASSWORD });
    await admin.set('secret', SECRET);
    dir = await mkdtemp(join(tmpdir(), 'web-secrecy-'));
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['the password inside REDIS_URL, accepted', {}, 200],
    ['a rejected REDIS_PASSWORD', { REDIS_PASSWORD: ENV_PASSWORD }, 503],
  ])('should print neither secret nor password with %s', async (_name, env, status) => {
    const logFile = join(dir, `${status}.log`);
    const web = await spawnWeb({
      REDIS_URL: `redis://:${URL_PASSWORD}@127.0.0.1:${redis.port}`,
      LOG_LEVEL: 'trace',
      LOG_FILE: logFile,
      ...env,
    });
    try {
      await web.waitForLog(status === 200 ? 'secret cache live' : 'Redis rejected');
      const res = await fetch(`http://127.0.0.1:${web.port}/`);
      expect(res.status).toBe(status);
      await res.text();
      await fetch(`http://127.0.0.1:${web.port}/readyz`).then((r) => r.text());

      web.child.kill('SIGTERM');
      expect(await web.exited).toBe(0);
      const printed = web.stdout() + web.stderr() + (await readFile(logFile, 'utf8'));
      expect(printed).toContain('redis://:***@127.0.0.1');
      for (const value of [SECRET, URL_PASSWORD, ENV_PASSWORD])
        expect(printed).not.toContain(value);
    } finally {
      await web.kill();
    }
  });
});
