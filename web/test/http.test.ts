import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestRedis } from '../../test-support/redis.js';
import {
  adminClient,
  cacheLive,
  createWeb,
  redisReady,
  type WebUnderTest,
  seededRedis,
} from './support/web-fixture.js';

describe('web HTTP interface', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;
  let web: WebUnderTest;

  beforeAll(async () => {
    ({ redis, admin } = await seededRedis('foobar'));
    web = createWeb(redis);
    await cacheLive(web);
  });

  afterAll(async () => {
    await web?.close();
    admin?.disconnect();
    await redis?.close();
  });

  it('should answer GET / with the greeting byte for byte as text/plain utf-8', async () => {
    const res = await request(web.app).get('/').buffer(true).parse(rawBody);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect((res.body as Buffer).equals(Buffer.from('Hi there! The secret is foobar.\n'))).toBe(
      true,
    );
    expect(res.headers['content-length']).toBe('32');
  });

  it('should send no X-Powered-By, no ETag, and Cache-Control no-store', async () => {
    const res = await request(web.app).get('/');

    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers.etag).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  // That no body bytes follow is checked on a raw socket in bad-input.test.ts.
  it('should answer HEAD / with the headers of GET /', async () => {
    const get = await request(web.app).get('/');
    const head = await request(web.app).head('/');

    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe(get.headers['content-type']);
    expect(head.headers['content-length']).toBe(get.headers['content-length']);
  });

  it('should encode a non-ASCII secret as UTF-8 with the right length', async () => {
    await admin.set('unicode', 'grüß 🔑');
    const other = createWeb(redis, { SECRET_KEY: 'unicode', SECRET_CACHE: 'off' });
    try {
      await redisReady(other);
      const res = await request(other.app).get('/').buffer(true).parse(rawBody);
      const expected = Buffer.from('Hi there! The secret is grüß 🔑.\n', 'utf8');

      expect((res.body as Buffer).equals(expected)).toBe(true);
      expect(res.headers['content-length']).toBe(String(expected.length));
    } finally {
      await other.close();
    }
  });

  it.each(['/healthz', '/readyz'])('should answer GET %s with 200 JSON', async (path) => {
    const res = await request(web.app).get(path);

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it.each(['/nope', '/index.html', '/secret', '/healthz/extra'])(
    'should answer an unknown path %s with 404 JSON',
    async (path) => {
      const res = await request(web.app).get(path);

      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'not found' });
    },
  );

  const methods = ['post', 'put', 'delete', 'patch', 'options'] as const;
  const paths = ['/', '/healthz', '/readyz'];
  it.each(methods.flatMap((method) => paths.map((path) => [method, path] as const)))(
    'should answer %s %s with 405 and Allow: GET, HEAD',
    async (method, path) => {
      const res = await request(web.app)[method](path).send('ignored body');

      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(res.body).toEqual({ error: 'method not allowed' });
    },
  );

  it.each(['/%', '/%E0%A4%A', '/healthz%zz', '/%%', '/x/%C0%80'])(
    'should answer the malformed URL %s with 400 JSON',
    async (path) => {
      const res = await request(web.app).get(path);

      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'malformed URL' });
    },
  );

  it('should log one JSON line per request with id, method, url, status and duration', async () => {
    const res = await request(web.app).get('/nope?x=1');
    const id = res.headers['x-request-id'];

    const lines = web.logs.lines().filter((line) => line.reqId === id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      service: 'web',
      method: 'GET',
      url: '/nope?x=1',
      status: 404,
      errorCode: 'not_found',
    });
    expect(typeof lines[0]?.responseTime).toBe('number');
  });

  it.each([
    ['a sane id on /healthz', '/healthz', 'abc-123.DEF_4:5', true],
    ['a sane id on /', '/', 'abc-124.DEF_4:5', true],
    ['an id with a space', '/healthz', 'abc 123', false],
    ['an id with a quote on /', '/', 'a"b', false],
    ['an id of 129 characters', '/healthz', 'x'.repeat(129), false],
  ])('should handle an incoming x-request-id that is %s', async (_name, path, incoming, kept) => {
    const res = await request(web.app).get(path).set('x-request-id', incoming);
    const id = res.headers['x-request-id'];

    expect(res.status).toBe(200);
    if (kept) expect(id).toBe(incoming);
    else expect(id).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    expect(web.logs.lines().filter((line) => line.reqId === id)).toHaveLength(1);
  });

  it('should give every request its own id, on / and elsewhere alike', async () => {
    const ids = new Set<string>();
    for (let n = 0; n < 50; n += 1) {
      for (const path of ['/', '/healthz', '/nope']) {
        ids.add(String((await request(web.app).get(path)).headers['x-request-id']));
      }
    }

    expect(ids.size).toBe(150);
  });

  it('should log GET / from the cache with the same fields as any other request', async () => {
    const res = await request(web.app).get('/').set('x-request-id', 'root-line-1');

    const lines = web.logs.lines().filter((line) => line.reqId === 'root-line-1');
    expect(res.text).toBe('Hi there! The secret is foobar.\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({
      level: 'info',
      time: expect.any(String),
      service: 'web',
      version: 'test',
      reqId: 'root-line-1',
      method: 'GET',
      url: '/',
      status: 200,
      responseTime: expect.any(Number),
      msg: 'request completed',
    });
  });

  it('should answer 503 JSON on / and /readyz while the key is missing', async () => {
    const missing = createWeb(redis, { SECRET_KEY: 'absent' });
    try {
      await cacheLive(missing);
      const root = await request(missing.app).get('/');
      const ready = await request(missing.app).get('/readyz');

      expect(root.status).toBe(503);
      expect(root.body).toEqual({ error: 'secret unavailable', reason: 'secret key missing' });
      expect(ready.status).toBe(503);
      expect(ready.body).toEqual({ status: 'unready', reason: 'secret key missing' });
      expect(root.text).not.toContain('undefined');
    } finally {
      await missing.close();
    }
  });
});

/** Keeps the body as raw bytes, so the test compares exactly what went over the wire. */
function rawBody(
  res: request.Response,
  callback: (error: Error | null, body: Buffer) => void,
): void {
  // In Node, superagent hands the parser the IncomingMessage itself.
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}
