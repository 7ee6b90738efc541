import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../../test-support/free-port.js';
import type { TestRedis } from '../../test-support/redis.js';
import { scrape } from './support/scrape.js';
import { adminClient, seededRedis } from './support/web-fixture.js';
import { spawnWeb } from './support/web-process.js';

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web process metrics endpoint', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;

  beforeAll(async () => {
    ({ redis, admin } = await seededRedis('foobar'));
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  it('should serve /metrics on METRICS_PORT only, with web_ process metrics', async () => {
    const web = await spawnWeb({ REDIS_URL: redis.url });
    try {
      await web.waitForLog('web listening');
      await web.waitForLog('Redis connection ready');
      for (let n = 0; n < 3; n += 1) expect(await status(web.port, '/')).toBe(200);
      const scraped = await scrape(web.metricsPort);

      expect(await status(web.port, '/metrics')).toBe(404);
      expect(scraped.status).toBe(200);
      expect(scraped.value('web_http_requests_total', { route: '/', status: '200' })).toBe(3);
      expect(scraped.value('web_process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(scraped.value('web_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(scraped.text).not.toMatch(/^(?!web_|# (HELP|TYPE) web_)\S/m);
      expect(scraped.text).not.toContain('foobar');
    } finally {
      await web.kill();
    }
  });

  it('should exit 1 with a fatal line naming the port when METRICS_PORT is taken', async () => {
    const taken = createServer();
    const port = await freePort();
    taken.listen(port, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const web = await spawnWeb({ METRICS_PORT: String(port), REDIS_URL: redis.url });

      expect(await web.exited).toBe(1);
      expect(web.lines().at(-1)).toMatchObject({
        level: 'fatal',
        msg: 'cannot listen; exiting',
        port,
      });
    } finally {
      taken.close();
    }
  });
});
