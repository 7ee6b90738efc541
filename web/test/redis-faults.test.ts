import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { sleep, waitFor } from '../../test-support/wait.js';
import {
  adminClient,
  cacheLive,
  countLogged,
  createWeb,
  REDIS_CONFIG,
  redisReady,
  type WebUnderTest,
} from './support/web-fixture.js';

const GREETING = 'Hi there! The secret is foobar.\n';

async function timedGet(web: WebUnderTest, path = '/') {
  const started = Date.now();
  const res = await request(web.app).get(path);
  return { res, ms: Date.now() - started };
}

describe('web when Redis fails', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;
  let web: WebUnderTest | undefined;

  beforeAll(async () => {
    redis = await startRedis({ config: REDIS_CONFIG });
    admin = adminClient(redis);
  });

  afterEach(async () => {
    await web?.close();
    web = undefined;
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  it('should answer 503 within 2 s while Redis is stopped and 200 once it is back', async () => {
    await admin.set('secret', 'foobar');
    web = createWeb(redis);
    await cacheLive(web);
    expect((await request(web.app).get('/')).text).toBe(GREETING);

    await redis.stop();
    const down = await timedGet(web);
    const readyDown = await timedGet(web, '/readyz');
    expect(down.res.status).toBe(503);
    expect(down.res.body).toEqual({ error: 'secret unavailable', reason: 'redis unreachable' });
    expect(down.ms).toBeLessThan(2000);
    expect(readyDown.res.status).toBe(503);
    expect(readyDown.res.body).toEqual({ status: 'unready', reason: 'redis unreachable' });

    // Long enough for several reconnect attempts, each of which ioredis reports.
    await sleep(1500);
    await redis.start();
    await admin.set('secret', 'foobar');
    const current = web;
    await waitFor(
      'GET / to answer 200',
      async () => (await request(current.app).get('/')).status === 200,
    );
    expect((await request(web.app).get('/readyz')).status).toBe(200);

    // One line per connection for the loss and for the recovery, not one per retry.
    expect(countLogged(web, 'Redis unreachable')).toBe(2);
    await waitFor(
      'both connections restored',
      () => countLogged(current, 'Redis connection restored') === 2,
    );
    expect(web.logs.lines().filter((line) => line.level === 'warn')).toHaveLength(2);
  });

  it('should start while Redis is down and serve once it comes up', async () => {
    await redis.stop();
    web = createWeb(redis);

    const down = await timedGet(web);
    expect(down.res.status).toBe(503);
    expect(down.ms).toBeLessThan(2000);

    await redis.start();
    await admin.set('secret', 'foobar');
    const current = web;
    await waitFor(
      'GET / to answer 200',
      async () => (await request(current.app).get('/')).text === GREETING,
    );
  });

  it('should answer 503 within the command timeout while Redis is busy (DEBUG SLEEP)', async () => {
    await admin.set('secret', 'foobar');
    web = createWeb(redis, { SECRET_CACHE: 'off', REDIS_COMMAND_TIMEOUT_MS: '300' });
    await redisReady(web);
    expect((await request(web.app).get('/')).status).toBe(200);

    const sleeper = adminClient(redis);
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '1.5');
    await sleep(50);
    const slow = await timedGet(web);
    await sleeping;
    sleeper.disconnect();

    expect(slow.res.status).toBe(503);
    expect(slow.res.body).toEqual({ error: 'secret unavailable', reason: 'redis timeout' });
    expect(slow.ms).toBeGreaterThanOrEqual(250);
    expect(slow.ms).toBeLessThan(1000);
    expect((await request(web.app).get('/')).text).toBe(GREETING);
  });

  it('should keep answering from a live cache while Redis is busy', async () => {
    await admin.set('secret', 'foobar');
    web = createWeb(redis, { REDIS_COMMAND_TIMEOUT_MS: '300' });
    await cacheLive(web);
    expect((await request(web.app).get('/')).text).toBe(GREETING);

    const sleeper = adminClient(redis);
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '1');
    await sleep(50);
    const during = await timedGet(web);
    await sleeping;
    sleeper.disconnect();

    expect(during.res.text).toBe(GREETING);
    expect(during.ms).toBeLessThan(250);
  });
});

describe('web with rejected Redis credentials', () => {
  const ADMIN = { username: 'admin', password: 'admin-pw' };
  const WRONG = 'not-the-password-4711';
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;

  beforeAll(async () => {
    redis = await startRedis({
      config: [
        ...REDIS_CONFIG,
        `user ${ADMIN.username} on >${ADMIN.password} ~* &* +@all`,
        'user web on >right-pw ~* &* +@all',
        'user default off',
      ],
    });
    admin = adminClient(redis, ADMIN);
    await admin.set('secret', 'foobar');
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  it.each([
    ['a wrong password (WRONGPASS)', { REDIS_USERNAME: 'web', REDIS_PASSWORD: WRONG }],
    ['no credentials (NOAUTH)', {}],
  ])('should answer 503, log the auth failure once and back off for %s', async (_name, env) => {
    const web = createWeb(redis, env);
    try {
      const connectionsBefore = await totalConnections(admin);
      await waitFor('the auth failure', () => countLogged(web, 'Redis rejected') > 0);
      const root = await timedGet(web);
      const ready = await request(web.app).get('/readyz');
      await sleep(1500);
      const connections = (await totalConnections(admin)) - connectionsBefore;

      expect(root.res.status).toBe(503);
      expect(root.res.body).toEqual({ error: 'secret unavailable', reason: 'redis auth failed' });
      expect(root.ms).toBeLessThan(2000);
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unready', reason: 'redis auth failed' });

      const authLines = web.logs.lines().filter((line) => line.msg.startsWith('Redis rejected'));
      expect(authLines.length).toBeGreaterThanOrEqual(1);
      expect(authLines.length).toBeLessThanOrEqual(2);
      expect(authLines[0]).toMatchObject({
        level: 'error',
        reason: expect.stringMatching(/^(WRONGPASS|NOAUTH)/),
      });
      expect(web.logs.text()).not.toContain(WRONG);

      // Two connections retrying for 1.5 s: 50 ms doubling to a 1 s cap is 5 tries each;
      // without backoff it would be one try per connection every few milliseconds.
      expect(connections).toBeGreaterThanOrEqual(2);
      expect(connections).toBeLessThan(16);
    } finally {
      await web.close();
    }
  });
});

async function totalConnections(admin: ReturnType<typeof adminClient>): Promise<number> {
  const info = await admin.info('stats');
  return Number(/^total_connections_received:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}
