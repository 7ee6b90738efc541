import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { publishSecret } from './support/kube-secret.js';
import { eventually, isAlive, isListening, Sidecar } from './support/sidecar.js';

describe('secret-sidecar lifecycle', () => {
  let dir: string;
  let sidecar: Sidecar;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secret-lifecycle-'));
    await publishSecret(dir, { secret: 'foobar\n' });
    sidecar = await Sidecar.start({ secretDir: dir });
    await sidecar.waitForReady();
  });

  afterEach(async () => {
    await sidecar?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should give Redis an empty private working directory', async () => {
    const started = await sidecar.waitForLog((log) => log.msg === 'starting redis-server');
    const workDir = started.dir as string;

    expect(workDir.startsWith(`${sidecar.tmpDir}/`)).toBe(true);
    expect(await readdir(workDir)).toEqual([]);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'should pass %s to Redis, exit 0 with it and leave no file and no process',
    async (signal) => {
      const redisPid = sidecar.redisPid!;
      const web = await sidecar.connectAsWeb();
      expect(await web.get('secret')).toBe('foobar');
      web.disconnect();

      sidecar.child.kill(signal);
      const exit = await sidecar.exited;

      expect(exit).toEqual({ code: 0, signal: null });
      expect(isAlive(redisPid)).toBe(false);
      expect(sidecar.output).toContain('Received SIG');
      // The working directory is removed with rmdir, which fails if Redis wrote a
      // dump.rdb or an appendonly file there: nothing at all may be left.
      expect(await readdir(sidecar.tmpDir)).toEqual([]);
      expect(sidecar.logs.filter((log) => log.level === 'error')).toEqual([]);
    },
  );

  it('should exit with 128 + signal when Redis is killed while stopping', async () => {
    // A stopped redis-server (SIGSTOP) cannot handle SIGTERM; SIGKILL then ends it.
    const redisPid = sidecar.redisPid!;
    process.kill(redisPid, 'SIGSTOP');
    sidecar.child.kill('SIGTERM');
    await sidecar.waitForLog((log) => log.msg === 'stopping redis-server');
    process.kill(redisPid, 'SIGKILL');

    expect(await sidecar.exited).toEqual({ code: 137, signal: null });
  });

  it('should leave no redis-server behind when the supervisor is SIGKILLed', async () => {
    const redisPid = sidecar.redisPid!;
    expect(isAlive(redisPid)).toBe(true);

    sidecar.child.kill('SIGKILL');
    await sidecar.exited;

    // The kernel delivers the parent-death signal; Redis's threads then exit, and
    // the last one closes the listening socket.
    await eventually(async () => {
      expect(isAlive(redisPid)).toBe(false);
      expect(await isListening(sidecar.redisPort)).toBe(false);
    }, 2000);
  });

  it('should restart a Redis that died and seed it again by itself', async () => {
    const firstPid = sidecar.redisPid!;
    process.kill(firstPid, 'SIGKILL');

    await eventually(() => expect(sidecar.redisPid).not.toBe(firstPid), 3000);
    // Redis accepts connections a moment before the seed is in: the key may be missing
    // for that moment, as it is for any client that connects before /readyz says 200.
    await eventually(async () => {
      const web = await sidecar.connectAsWeb();
      try {
        expect(await web.get('secret')).toBe('foobar');
      } finally {
        web.disconnect();
      }
    }, 3000);
    await sidecar.waitForReady(1000);
    expect(sidecar.logs.map((log) => log.msg)).toContain(
      'redis-server is down; restarting it and seeding it again',
    );
    expect(isAlive(firstPid)).toBe(false);
  });

  it('should log each readiness change once: ready, not ready when Redis dies, ready', async () => {
    const firstPid = sidecar.redisPid!;
    process.kill(firstPid, 'SIGKILL');
    await eventually(() => expect(sidecar.redisPid).not.toBe(firstPid), 3000);
    await sidecar.waitForReady(3000);
    // Probes in between (each /readyz call) must not log anything of their own.
    await sidecar.health('/readyz');
    await sidecar.health('/readyz');

    const changes = sidecar.logs.filter((log) => typeof log.ready === 'boolean');
    expect(changes.map((log) => [log.level, log.ready])).toEqual([
      ['info', true],
      ['info', false],
      ['info', true],
    ]);
  });

  it("should give up with exit 1 and Redis's reason when Redis cannot be restarted", async () => {
    const redisPid = sidecar.redisPid!;
    process.kill(redisPid, 'SIGKILL');
    // Take the port in the 100 ms before the first restart, so that every restart fails.
    await eventually(async () => expect(await isListening(sidecar.redisPort)).toBe(false), 1000);
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(sidecar.redisPort, '127.0.0.1', resolve));

    try {
      const exit = await sidecar.exited;
      expect(exit.code).toBe(1);
      const fatal = sidecar.logs.filter((log) => log.level === 'fatal');
      expect(fatal.map((log) => log.msg)).toEqual([
        expect.stringContaining('Address already in use'),
      ]);
      const restarts = sidecar.logs.filter((log) => log.msg.startsWith('redis-server is down'));
      expect(restarts.map((log) => log.backoffMs)).toEqual([100, 200, 400, 800, 1600]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('should answer 503 on /healthz and /readyz while Redis is down', async () => {
    const redisPid = sidecar.redisPid!;
    process.kill(redisPid, 'SIGSTOP');
    try {
      // A stopped Redis does not answer PING: the supervisor must not call it healthy.
      await eventually(async () => expect((await sidecar.health('/healthz')).status).toBe(503));
      expect((await sidecar.health('/readyz')).status).toBe(503);
    } finally {
      process.kill(redisPid, 'SIGCONT');
    }
    await eventually(async () => expect((await sidecar.health('/healthz')).status).toBe(200));
  });
});
