import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { scrape, type Scrape } from './support/scrape.js';
import { sleep, waitFor } from '../../test-support/wait.js';
import {
  adminClient,
  cacheLive,
  createWeb,
  listenMetrics,
  listenWeb,
  REDIS_CONFIG,
  redisReady,
  type Listening,
  type WebUnderTest,
} from './support/web-fixture.js';

const REQUESTS = 'web_http_requests_total';

/** web in-process, its app and its metrics each behind a real loopback server. */
interface Running {
  web: WebUnderTest;
  app: Listening;
  metrics: Listening;
  send(path: string, method?: string): Promise<{ status: number; body: string }>;
  scrape(): Promise<Scrape>;
  close(): Promise<void>;
}

async function run(redis: TestRedis, env: Record<string, string> = {}): Promise<Running> {
  const web = createWeb(redis, env);
  const app = await listenWeb(web);
  const metrics = await listenMetrics(web);
  return {
    web,
    app,
    metrics,
    send: (path, method = 'GET') => send(app.port, path, method),
    scrape: () => scrape(metrics.port),
    close: async () => {
      await app.close();
      await metrics.close();
      await web.close();
    },
  };
}

function send(
  port: number,
  path: string,
  method: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A counter that has not been touched yet has no sample; it counts as 0. */
function count(scraped: Scrape, name: string, labels?: Record<string, string>): number {
  return scraped.value(name, labels) ?? 0;
}

describe('web metrics', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;
  let running: Running | undefined;

  beforeAll(async () => {
    redis = await startRedis({ config: REDIS_CONFIG });
    admin = adminClient(redis);
  });

  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  it('should count 5 GETs of / as 5 requests, 5 latencies, 1 cache miss and 4 hits', async () => {
    await admin.set('secret', 'foobar');
    running = await run(redis);
    await cacheLive(running.web);

    for (let n = 0; n < 5; n += 1) expect((await running.send('/')).status).toBe(200);
    const scraped = await running.scrape();

    expect(scraped.status).toBe(200);
    expect(scraped.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(scraped.value(REQUESTS, { route: '/', status: '200' })).toBe(5);
    expect(scraped.value('web_http_request_duration_seconds_count', { route: '/' })).toBe(5);
    expect(
      scraped.value('web_http_request_duration_seconds_bucket', { route: '/', le: '+Inf' }),
    ).toBe(5);
    expect(scraped.value('web_secret_cache_misses_total')).toBe(1);
    expect(scraped.value('web_secret_cache_hits_total')).toBe(4);
    expect(scraped.value('web_secret_cache_live')).toBe(1);
    expect(scraped.value('web_redis_connection_up', { connection: 'commands' })).toBe(1);
    expect(scraped.value('web_redis_connection_up', { connection: 'subscriber' })).toBe(1);
  });

  it.each([
    ['GET /healthz', 'GET', '/healthz', '/healthz', '200'],
    ['GET /readyz', 'GET', '/readyz', '/readyz', '200'],
    ['GET /?x=1', 'GET', '/?x=1', '/', '200'],
    [
      'GET /HEALTHZ (Express matches paths case-insensitively)',
      'GET',
      '/HEALTHZ',
      '/healthz',
      '200',
    ],
    ['POST /', 'POST', '/', '/', '405'],
    ['GET /nope', 'GET', '/nope', 'other', '404'],
    ['GET /%', 'GET', '/%', 'other', '400'],
  ])('should count %s under its route and status', async (_name, method, path, route, status) => {
    await admin.set('secret', 'foobar');
    running = await run(redis);
    await redisReady(running.web);

    const before = count(await running.scrape(), REQUESTS, { route, status });
    expect(String((await running.send(path, method)).status)).toBe(status);
    const after = await running.scrape();

    expect(count(after, REQUESTS, { route, status }) - before).toBe(1);
  });

  it('should keep one series for any number of unknown paths', async () => {
    running = await run(redis);
    for (let n = 0; n < 20; n += 1) await running.send(`/random-${n}-${Math.random()}`);

    const scraped = await running.scrape();
    const series = scraped.samples(REQUESTS);
    expect(series).toEqual([{ labels: { route: 'other', status: '404' }, value: 20 }]);
    expect(scraped.text).not.toContain('random-');
  });

  it('should count one invalidation per SET of the key and reset the secret age', async () => {
    await admin.set('secret', 'first');
    running = await run(redis);
    await cacheLive(running.web);
    const current = running;

    expect((await running.scrape()).value('web_secret_age_seconds')).toBeNaN();
    expect((await running.send('/')).body).toBe('Hi there! The secret is first.\n');
    await sleep(1100);
    const aged = await running.scrape();
    expect(aged.value('web_secret_age_seconds')).toBeGreaterThanOrEqual(1.1);
    const invalidations = count(aged, 'web_secret_cache_invalidations_total');

    await admin.set('secret', 'second');
    await waitFor('the notification', async () => {
      const now = await current.scrape();
      return count(now, 'web_secret_cache_invalidations_total') > invalidations;
    });
    expect((await running.send('/')).body).toBe('Hi there! The secret is second.\n');
    await sleep(100);

    const changed = await running.scrape();
    expect(count(changed, 'web_secret_cache_invalidations_total')).toBe(invalidations + 1);
    expect(changed.value('web_secret_age_seconds')).toBeLessThan(0.5);
  });

  it('should count failed GETs, connection errors and reconnects as Redis stops', async () => {
    await admin.set('secret', 'foobar');
    running = await run(redis);
    await cacheLive(running.web);
    const current = running;
    expect((await running.send('/')).status).toBe(200);

    await redis.stop();
    await waitFor('both connections down', async () => {
      const now = await current.scrape();
      return (
        now.value('web_redis_connection_up', { connection: 'commands' }) === 0 &&
        now.value('web_secret_cache_live') === 0
      );
    });
    for (let n = 0; n < 3; n += 1) expect((await running.send('/')).status).toBe(503);
    // Long enough for several reconnect attempts, each of which fails.
    await sleep(600);
    const down = await running.scrape();

    expect(down.value('web_redis_errors_total', { reason: 'unreachable' })).toBe(3);
    expect(down.value(REQUESTS, { route: '/', status: '503' })).toBe(3);
    expect(down.value('web_secret_cache_misses_total')).toBe(4);
    for (const connection of ['commands', 'subscriber']) {
      const errors = down.value('web_redis_connection_errors_total', {
        connection,
        reason: 'unreachable',
      });
      expect(errors).toBeGreaterThanOrEqual(2);
      expect(down.value('web_redis_reconnects_total', { connection })).toBeUndefined();
    }

    await redis.start();
    await admin.set('secret', 'foobar');
    await waitFor('both connections back', async () => {
      const now = await current.scrape();
      return (
        now.value('web_redis_reconnects_total', { connection: 'commands' }) === 1 &&
        now.value('web_redis_reconnects_total', { connection: 'subscriber' }) === 1 &&
        now.value('web_secret_cache_live') === 1
      );
    });
    expect((await running.send('/')).status).toBe(200);
  });

  it('should count a GET that outlives REDIS_COMMAND_TIMEOUT_MS as a timeout', async () => {
    await admin.set('secret', 'foobar');
    running = await run(redis, { SECRET_CACHE: 'off', REDIS_COMMAND_TIMEOUT_MS: '200' });
    await redisReady(running.web);

    const sleeper = adminClient(redis);
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '0.6');
    await sleep(50);
    expect((await running.send('/')).status).toBe(503);
    await sleeping;
    sleeper.disconnect();

    const scraped = await running.scrape();
    expect(scraped.value('web_redis_errors_total', { reason: 'timeout' })).toBe(1);
    expect(scraped.value('web_secret_cache_live')).toBe(0);
  });

  it('should count a request whose client leaves before the answer as aborted', async () => {
    await admin.set('secret', 'foobar');
    running = await run(redis, { SECRET_CACHE: 'off' });
    await redisReady(running.web);
    const current = running;

    const sleeper = adminClient(redis);
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '0.4');
    await sleep(50);
    const socket = connect({ host: '127.0.0.1', port: running.app.port });
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await sleep(100);
    socket.destroy();
    await sleeping;
    sleeper.disconnect();

    await waitFor('the aborted request', async () => {
      const now = await current.scrape();
      return now.value(REQUESTS, { route: '/', status: 'aborted' }) === 1;
    });
    expect((await running.scrape()).value(REQUESTS, { route: '/', status: '200' })).toBeUndefined();
  });

  it('should answer 404 off /metrics and 405 to other methods', async () => {
    running = await run(redis);

    expect((await scrape(running.metrics.port, '/')).status).toBe(404);
    expect((await send(running.metrics.port, '/metrics', 'POST')).status).toBe(405);
    expect((await running.send('/metrics')).status).toBe(404);
  });
});
