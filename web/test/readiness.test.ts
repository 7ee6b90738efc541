import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { waitFor } from '../../test-support/wait.js';
import { adminClient, cacheLive, createWeb, REDIS_CONFIG } from './support/web-fixture.js';

const READY = 'ready: the secret can be served';
const NOT_READY = 'not ready';

describe('web readiness log', () => {
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

  it('should log ready, not ready, ready once each as Redis goes and returns', async () => {
    await admin.set('secret', 'foobar');
    const web = createWeb(redis);
    const probe = async (): Promise<number> => (await request(web.app).get('/readyz')).status;
    try {
      await cacheLive(web);
      for (let n = 0; n < 4; n += 1) expect(await probe()).toBe(200);

      await redis.stop();
      for (let n = 0; n < 4; n += 1) expect(await probe()).toBe(503);

      await redis.start();
      await admin.set('secret', 'foobar');
      await waitFor('/readyz to answer 200', async () => (await probe()) === 200);
      for (let n = 0; n < 4; n += 1) expect(await probe()).toBe(200);

      const changes = web.logs
        .lines()
        .filter((line) => line.msg === READY || line.msg === NOT_READY)
        .map((line) => ({ level: line.level, msg: line.msg, reason: line.reason }));
      expect(changes).toEqual([
        { level: 'info', msg: READY, reason: undefined },
        { level: 'info', msg: NOT_READY, reason: 'redis unreachable' },
        { level: 'info', msg: READY, reason: undefined },
      ]);
    } finally {
      await web.close();
    }
  });
});
