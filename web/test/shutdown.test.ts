import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { getText } from '../../test-support/http-get.js';
import type { TestRedis } from '../../test-support/redis.js';
import type { LogLine } from './support/capture-logger.js';
import { scrape } from './support/scrape.js';
import { sleep, waitFor } from '../../test-support/wait.js';
import { adminClient, seededRedis } from './support/web-fixture.js';
import { spawnWeb } from './support/web-process.js';

const GREETING = 'Hi there! The secret is foobar.\n';

/** A keep-alive connection that has finished one request and now sits idle. */
async function idleKeepAlive(port: number): Promise<{ socket: Socket; closed: Promise<unknown> }> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
  const [reply] = (await once(socket, 'data')) as [Buffer];
  expect(reply.toString('latin1')).toMatch(/^HTTP\/1\.1 200 [\s\S]*keep-alive/i);
  return { socket, closed: once(socket, 'close') };
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

function fileLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogLine);
}

describe('web process shutdown', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;
  let dir: string;

  beforeAll(async () => {
    ({ redis, admin } = await seededRedis('foobar'));
    dir = await mkdtemp(join(tmpdir(), 'web-shutdown-'));
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'should finish the request in flight, refuse new connections and exit 0 on %s',
    async (signal) => {
      const logFile = join(dir, `${signal}.log`);
      const web = await spawnWeb({
        REDIS_URL: redis.url,
        SECRET_CACHE: 'off',
        REDIS_COMMAND_TIMEOUT_MS: '5000',
        LOG_FILE: logFile,
      });
      try {
        await web.waitForLog('Redis connection ready');
        expect(await getText(web.port)).toMatchObject({ status: 200, body: GREETING });
        const idle = await idleKeepAlive(web.port);

        // Redis sleeps, so the next GET / stays in flight while the signal arrives.
        const sleeper = adminClient(redis);
        const sleeping = sleeper.call('DEBUG', 'SLEEP', '1');
        await sleep(50);
        let inFlightDone = false;
        const inFlight = getText(web.port).finally(() => (inFlightDone = true));
        await sleep(100);
        web.child.kill(signal);

        await waitFor('the listener to close', () => refusesConnections(web.port), 1000);
        await idle.closed;
        expect(inFlightDone).toBe(false);
        // Metrics stay up while requests drain, so a scrape sees the shutdown.
        expect((await scrape(web.metricsPort)).status).toBe(200);

        expect(await inFlight).toMatchObject({ status: 200, body: GREETING });
        expect(await web.exited).toBe(0);
        expect(await refusesConnections(web.metricsPort)).toBe(true);
        await sleeping;
        sleeper.disconnect();

        const lines = fileLines(await readFile(logFile, 'utf8'));
        expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'web stopped', signal });
        expect(lines.filter((line) => line.msg === 'request completed').at(-1)).toMatchObject({
          method: 'GET',
          url: '/',
          status: 200,
        });
        expect(web.stderr()).toBe('');
      } finally {
        await web.kill();
      }
    },
  );

  it('should close what is still open after SHUTDOWN_TIMEOUT_MS and exit 0', async () => {
    const web = await spawnWeb({
      REDIS_URL: redis.url,
      SECRET_CACHE: 'off',
      REDIS_COMMAND_TIMEOUT_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '200',
    });
    try {
      await web.waitForLog('Redis connection ready');
      const sleeper = adminClient(redis);
      const sleeping = sleeper.call('DEBUG', 'SLEEP', '1.5');
      await sleep(50);
      const inFlight = getText(web.port).then(
        () => 'answered',
        (error: NodeJS.ErrnoException) => error.code,
      );
      await sleep(100);
      web.child.kill('SIGTERM');

      // Reset, not answered: the process did not wait for the 1.5 s Redis stall.
      expect(await inFlight).toBe('ECONNRESET');
      expect(await web.exited).toBe(0);
      expect(web.lines().some((line) => line.msg.startsWith('shutdown timeout'))).toBe(true);
      await sleeping;
      sleeper.disconnect();
    } finally {
      await web.kill();
    }
  });
});
