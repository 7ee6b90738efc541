import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { sentence } from './support/sentence.js';
import { isAlive } from './support/process-tree.js';
import { TestPod } from './support/test-pod.js';
import { sleep, waitFor } from '../../test-support/wait.js';

const VALUE = 'stops cleanly';
const HEAD = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: slow-1\r\n';

/** Everything a raw connection receives until the server closes it. */
function readAll(socket: Socket): Promise<string> {
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  return once(socket, 'close').then(() => text);
}

async function open(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
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

/**
 * Two ways a request is still in flight when SIGTERM comes: `start` begins it before
 * the signal, `finish` lets it complete once web has closed its listener.
 */
interface SlowRequest {
  web?: Record<string, string>;
  start(socket: Socket, pod: TestPod): Promise<void>;
  finish(socket: Socket, pod: TestPod): Promise<void>;
}

const slowClient: SlowRequest = {
  start: async (socket) => {
    socket.write(HEAD);
  },
  finish: async (socket) => {
    socket.write('Accept: text/plain\r\n\r\n');
  },
};

// With the cache off every GET / reads Redis; a stopped redis-server holds it there.
let frozenRedis = 0;
const frozenRedisRead: SlowRequest = {
  web: { SECRET_CACHE: 'off', REDIS_COMMAND_TIMEOUT_MS: '5000' },
  start: async (socket, pod) => {
    frozenRedis = await pod.redisPid();
    process.kill(frozenRedis, 'SIGSTOP');
    socket.write(`${HEAD}\r\n`);
  },
  finish: async () => {
    process.kill(frozenRedis, 'SIGCONT');
  },
};

describe('pod: SIGTERM to web', () => {
  let pod: TestPod | undefined;

  afterEach(async () => {
    if (frozenRedis && isAlive(frozenRedis)) process.kill(frozenRedis, 'SIGCONT');
    frozenRedis = 0;
    await pod?.close();
    pod = undefined;
  });

  it.each([
    ['a client still sending its request head', slowClient],
    ['a GET waiting on a stopped Redis', frozenRedisRead],
  ])('should answer %s, close an idle connection and ship web stopped', async (_, slow) => {
    pod = await TestPod.start({ secret: { secret: VALUE }, env: { web: slow.web ?? {} } });
    const started = pod;

    // An idle keep-alive connection: one request answered, the socket left open.
    const idle = await open(started.port);
    const idleText = readAll(idle);
    idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: idle-1\r\n\r\n');
    await waitFor('the idle connection to get its answer', () => idle.bytesRead > 0);

    const socket = await open(started.port);
    const slowText = readAll(socket);
    await slow.start(socket, started);
    await sleep(100);

    const stopping = started.stop();
    await waitFor('web to close its listener', () => refusesConnections(started.port), 3000);
    const idleReply = await idleText;
    await sleep(100);
    const answeredEarly = socket.bytesRead > 0;
    await slow.finish(socket, started);
    // The reply arrives and then the connection closes: readAll resolves on the close.
    const slowReply = await slowText;
    const clean = await stopping;

    const fileLines = await started.logFileLines();
    const shipped = started.shipped();
    const lastFileRecord = JSON.parse(fileLines.at(-1)!) as { msg: string };

    expect(idleReply).toMatch(/^HTTP\/1\.1 200 /);
    expect(answeredEarly).toBe(false);
    expect(slowReply).toMatch(/^HTTP\/1\.1 200 /);
    expect(slowReply.endsWith(`\r\n\r\n${sentence(VALUE)}`)).toBe(true);
    expect(clean).toBe(true);
    expect(lastFileRecord.msg).toBe('web stopped');
    expect(fileLines.some((line) => line.includes('"reqId":"slow-1"'))).toBe(true);
    expect(shipped.length).toBe(fileLines.length);
    expect(shipped.at(-1)).toContain('web stopped');
    expect(shipped.some((text) => text.includes('reqId=slow-1'))).toBe(true);
  });
});
