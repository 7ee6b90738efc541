import request from 'supertest';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { getCalls } from './support/redis-stats.js';
import { sleep, waitFor } from '../../test-support/wait.js';
import {
  adminClient,
  cacheLive,
  countLogged,
  createWeb,
  REDIS_CONFIG,
  redisReady,
  type WebUnderTest,
  seededRedis,
} from './support/web-fixture.js';

const greeting = (value: string): string => `Hi there! The secret is ${value}.\n`;

describe('secret cache', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;
  let web: WebUnderTest;

  beforeAll(async () => {
    redis = await startRedis({ config: REDIS_CONFIG });
    admin = adminClient(redis);
  });

  beforeEach(async () => {
    await admin.set('secret', 'first');
    web = createWeb(redis);
    await cacheLive(web);
  });

  afterEach(async () => {
    await web.close();
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  /** Asks until the body is `expected`, for at most timeoutMs; returns the bodies seen. */
  async function untilBody(expected: string, timeoutMs = 1000): Promise<string[]> {
    const seen: string[] = [];
    await waitFor(
      `GET / to answer ${JSON.stringify(expected)}`,
      async () => {
        const res = await request(web.app).get('/');
        seen.push(res.text);
        return res.text === expected;
      },
      timeoutMs,
    );
    return seen;
  }

  it('should answer from memory without a Redis GET while the subscription is live', async () => {
    await untilBody(greeting('first'));
    const before = await getCalls(admin);

    for (let i = 0; i < 20; i += 1) {
      expect((await request(web.app).get('/')).text).toBe(greeting('first'));
    }

    expect(await getCalls(admin)).toBe(before);
  });

  it('should send one Redis GET for a burst of requests that miss the cache together', async () => {
    await untilBody(greeting('first'));
    const cache = web.services.cache!;
    const generation = cache.generation;
    await admin.set('secret', 'burst');
    await waitFor('the notification', () => cache.generation > generation, 1000);
    const before = await getCalls(admin);

    const bodies = await Promise.all(
      Array.from({ length: 50 }, async () => (await request(web.app).get('/')).text),
    );

    expect(new Set(bodies)).toEqual(new Set([greeting('burst')]));
    expect(await getCalls(admin)).toBe(before + 1);
  });

  it('should serve a changed value once its keyspace notification arrived', async () => {
    await untilBody(greeting('first'));

    await admin.set('secret', 'second');

    await untilBody(greeting('second'), 1000);
  });

  it('should answer 503 once the key is deleted', async () => {
    await untilBody(greeting('first'));

    await admin.del('secret');

    await waitFor(
      'GET / to answer 503',
      async () => (await request(web.app).get('/')).status === 503,
      1000,
    );
  });

  it('should never serve a value changed while the subscriber was disconnected', async () => {
    await untilBody(greeting('first'));

    const killed = Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
    await admin.set('secret', 'changed-while-down');
    expect(killed).toBeGreaterThanOrEqual(1);

    const bodies: string[] = [];
    for (let i = 0; i < 10; i += 1) bodies.push((await request(web.app).get('/')).text);
    expect(bodies.every((body) => body === greeting('changed-while-down'))).toBe(true);

    // After resubscribing the cache works again: a later change is still seen.
    await waitFor('the second subscription', () => countLogged(web, 'secret cache live') >= 2);
    await admin.set('secret', 'after-resubscribe');
    await untilBody(greeting('after-resubscribe'), 1000);
  });

  it('should recover after a Redis restart and follow changes again', async () => {
    await untilBody(greeting('first'));

    await redis.stop();
    expect((await request(web.app).get('/')).status).toBe(503);
    await redis.start();
    await admin.set('secret', 'after-restart');

    await untilBody(greeting('after-restart'), 5000);
    await waitFor('the second subscription', () => countLogged(web, 'secret cache live') >= 2);
    await admin.set('secret', 'after-restart-2');
    await untilBody(greeting('after-restart-2'), 1000);
  });
});

describe('secret cache switched off', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;
  let web: WebUnderTest;

  beforeAll(async () => {
    ({ redis, admin } = await seededRedis('first'));
    web = createWeb(redis, { SECRET_CACHE: 'off' });
    await redisReady(web);
  });

  afterAll(async () => {
    await web?.close();
    admin?.disconnect();
    await redis?.close();
  });

  it('should read Redis on every request and open no subscriber', async () => {
    await request(web.app).get('/');
    const before = await getCalls(admin);

    for (let i = 0; i < 5; i += 1) await request(web.app).get('/');

    expect(await getCalls(admin)).toBe(before + 5);
    expect(await admin.pubsub('NUMSUB', '__keyspace@0__:secret')).toEqual([
      '__keyspace@0__:secret',
      0,
    ]);
  });

  it('should serve a change on the very next request', async () => {
    await admin.set('secret', 'second');

    expect((await request(web.app).get('/')).text).toBe(greeting('second'));
  });
});

describe('SecretCache generations', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;
  let web: WebUnderTest;

  beforeAll(async () => {
    ({ redis, admin } = await seededRedis('old'));
    web = createWeb(redis);
    await cacheLive(web);
  });

  afterAll(async () => {
    await web?.close();
    admin?.disconnect();
    await redis?.close();
  });

  it('should not keep a value read before a notification that arrived after it', async () => {
    const cache = web.services.cache!;
    const generation = cache.generation;
    const readBeforeChange = await admin.get('secret');

    await admin.set('secret', 'new');
    await waitFor('the notification', () => cache.generation > generation, 1000);
    cache.store(readBeforeChange!, generation);

    expect(cache.value).toBeUndefined();
    expect((await request(web.app).get('/')).text).toBe(greeting('new'));
    await sleep(0);
    expect(cache.value).toBe('new');
  });
});
