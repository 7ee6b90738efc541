import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestRedis } from '../../test-support/redis.js';
import { drain } from '../src/server.js';
import { sleep } from '../../test-support/wait.js';
import {
  adminClient,
  cacheLive,
  createWeb,
  listenWeb,
  seededRedis,
} from './support/web-fixture.js';

/** Sends one request on an open socket and reads until a whole response has arrived. */
async function exchange(socket: Socket, request: string): Promise<string> {
  socket.write(request);
  let text = '';
  while (!/\r\n\r\n[\s\S]*\n$/.test(text)) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    text += chunk.toString('latin1');
  }
  return text;
}

describe('web drain', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;

  beforeAll(async () => {
    ({ redis, admin } = await seededRedis('foobar'));
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  it('should answer GET / from the cache with Connection: close once draining', async () => {
    const web = createWeb(redis);
    const listening = await listenWeb(web);
    try {
      await cacheLive(web);
      const socket = connect({ host: '127.0.0.1', port: listening.port });
      await once(socket, 'connect');
      const closed = once(socket, 'close');
      const get = 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n';
      await exchange(socket, get);
      // The second answer comes from memory: the first one filled the cache.
      expect(await exchange(socket, get)).toMatch(/^HTTP\/1\.1 200 [\s\S]*keep-alive/i);

      // A request whose head is half read is not idle, so draining keeps its socket.
      socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n');
      await sleep(50);
      const drained = drain(listening.server, 2000);
      const last = await exchange(socket, '\r\n');

      expect(last).toMatch(/^HTTP\/1\.1 200 /);
      expect(last).toMatch(/\r\nConnection: close\r\n/i);
      expect(last.endsWith('Hi there! The secret is foobar.\n')).toBe(true);
      await closed;
      expect(await drained).toBe('drained');
    } finally {
      await listening.close();
      await web.close();
    }
  });
});
