import { once } from 'node:events';
import { connect } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { getText } from '../../test-support/http-get.js';
import type { TestRedis } from '../../test-support/redis.js';
import { waitFor } from '../../test-support/wait.js';
import { rawExchange } from './support/raw-http.js';
import {
  adminClient,
  cacheLive,
  createWeb,
  listenWeb,
  type WebUnderTest,
  seededRedis,
} from './support/web-fixture.js';

const GREETING = 'Hi there! The secret is foobar.\n';

describe('web facing bad or heavy HTTP input', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;
  let web: WebUnderTest;
  let server: Awaited<ReturnType<typeof listenWeb>>;

  const rejectedLines = () =>
    web.logs.lines().filter((line) => line.msg === 'request rejected before routing');

  beforeAll(async () => {
    ({ redis, admin } = await seededRedis('foobar'));
    web = createWeb(redis);
    await cacheLive(web);
    server = await listenWeb(web);
  });

  afterAll(async () => {
    await server?.close();
    await web?.close();
    admin?.disconnect();
    await redis?.close();
  });

  it('should answer oversized headers with 431 and serve the next connection', async () => {
    const huge = 'x'.repeat(20 * 1024);
    const reply = await rawExchange(
      server.port,
      `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${huge}\r\n\r\n`,
    );

    expect(reply).toMatch(/^HTTP\/1\.1 431 /);
    expect(rejectedLines()).toContainEqual(
      expect.objectContaining({ level: 'warn', status: 431, errorCode: 'HPE_HEADER_OVERFLOW' }),
    );
    expect(web.logs.text()).not.toContain(huge);
    expect(await getText(server.port)).toMatchObject({ status: 200, body: GREETING });
  });

  it('should answer a request line Node cannot parse with 400, log it and count it', async () => {
    const before = rejectedLines().length;

    const reply = await rawExchange(server.port, 'GARBAGE\r\n\r\n');

    expect(reply).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    expect(rejectedLines().slice(before)).toEqual([
      expect.objectContaining({ status: 400, errorCode: 'HPE_INVALID_METHOD' }),
    ]);
    const metrics = await web.services.metrics.registry.metrics();
    expect(metrics).toMatch(/^web_http_requests_total\{route="other",status="400"\} [1-9]/m);
  });

  it('should not count a 400 it never sent for garbage after an answered request', async () => {
    const before = rejectedLines().length;
    const counted = async () =>
      /^web_http_requests_total\{route="other",status="400"\} (\d+)/m.exec(
        await web.services.metrics.registry.metrics(),
      )?.[1];
    const countBefore = await counted();

    // The garbage follows once the first answer has arrived, so that it was surely sent.
    const socket = connect({ host: '127.0.0.1', port: server.port });
    await once(socket, 'connect');
    let reply = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => (reply += chunk));
    socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await waitFor('the first answer', () => reply.endsWith('{"status":"ok"}'));
    socket.write('GARBAGE\r\n\r\n');
    await once(socket, 'close');

    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply).not.toContain('400 Bad Request');
    expect(rejectedLines().slice(before)).toEqual([]);
    expect(web.logs.lines().map((line) => line.msg)).toContain(
      'connection closed: unparsable request after an answered one',
    );
    expect(await counted()).toBe(countBefore);
  });

  it.each(['resets', 'closes'])(
    'should close quietly a connection the client %s half-way through a request',
    async (how) => {
      const before = rejectedLines().length;
      const socket = connect({ host: '127.0.0.1', port: server.port });
      await once(socket, 'connect');

      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nX-Half: ');
      if (how === 'resets') socket.resetAndDestroy();
      else socket.end();
      await once(socket, 'close');

      expect(await getText(server.port)).toMatchObject({ status: 200, body: GREETING });
      expect(rejectedLines().slice(before)).toEqual([]);
    },
  );

  it('should send no body bytes after the headers of a HEAD response', async () => {
    const reply = await rawExchange(
      server.port,
      'HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\n' +
        'Connection: close\r\n\r\n',
    );

    const [headHead, rest] = reply.split('\r\n\r\n', 2);
    expect(headHead).toMatch(/^HTTP\/1\.1 200 /);
    expect(headHead).toContain('Content-Length: 32');
    // The next bytes on the wire are already the second response.
    expect(rest).toMatch(/^HTTP\/1\.1 200 /);
  });

  it.each(['/%', '/%E0%A4%A'])(
    'should answer the raw request line GET %s with 400 JSON',
    async (path) => {
      const reply = await rawExchange(
        server.port,
        `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
      );

      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
      expect(reply).toContain('application/json');
      expect(reply.endsWith('{"error":"malformed URL"}')).toBe(true);
    },
  );

  it('should answer every one of 1,000 concurrent connections', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, () => getText(server.port)),
    );

    const answered = results.filter(
      (result) => result.status === 'fulfilled' && result.value.body === GREETING,
    );
    expect(answered).toHaveLength(1000);
  });
});
