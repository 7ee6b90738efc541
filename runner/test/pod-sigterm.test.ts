import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { sentence } from './support/load.js';
import { TestPod } from './support/test-pod.js';
import { sleep, waitFor } from './support/wait.js';

const VALUE = 'stops cleanly';

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

describe('pod: SIGTERM to web', () => {
  let pod: TestPod | undefined;

  afterEach(async () => {
    await pod?.close();
    pod = undefined;
  });

  it('should answer the slow request, close the idle one, and ship web stopped', async () => {
    pod = await TestPod.start({ secret: { secret: VALUE } });
    const started = pod;

    // An idle keep-alive connection: one request answered, the socket left open.
    const idle = await open(started.port);
    const idleText = readAll(idle);
    idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: idle-1\r\n\r\n');
    await waitFor('the idle connection to get its answer', () => idle.bytesRead > 0);

    // A slow client: its request head is still arriving when the signal comes.
    const slow = await open(started.port);
    const slowText = readAll(slow);
    slow.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: slow-1\r\n');
    await sleep(100);

    const stopping = started.stop();
    await waitFor('web to close its listener', () => refusesConnections(started.port), 3000);
    const idleReply = await idleText;
    slow.write('Accept: text/plain\r\n\r\n');
    const slowReply = await slowText;
    const clean = await stopping;

    const fileLines = await started.logFileLines();
    const shipped = started.shipped();
    const lastFileRecord = JSON.parse(fileLines.at(-1)!) as { msg: string };

    expect(idleReply).toMatch(/^HTTP\/1\.1 200 /);
    expect(slowReply).toMatch(/^HTTP\/1\.1 200 /);
    expect(slowReply).toMatch(/\r\nconnection: close\r\n/i);
    expect(slowReply.endsWith(`\r\n\r\n${sentence(VALUE)}`)).toBe(true);
    expect(clean).toBe(true);
    expect(lastFileRecord.msg).toBe('web stopped');
    expect(fileLines.some((line) => line.includes('"reqId":"slow-1"'))).toBe(true);
    expect(shipped.length).toBe(fileLines.length);
    expect(shipped.at(-1)).toContain('web stopped');
    expect(shipped.some((text) => text.includes('reqId=slow-1'))).toBe(true);
  });
});
