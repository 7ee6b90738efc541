import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { publishSecret } from './support/kube-secret.js';
import { eventually, findLeaks, Sidecar, type LogRecord } from './support/sidecar.js';

const STARTUP_TIMEOUT_MS = 10_000;

async function exitOf(sidecar: Sidecar): Promise<{ code: number | null; fatal: LogRecord[] }> {
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`still running:\n${sidecar.output}`)), STARTUP_TIMEOUT_MS),
  );
  const exit = await Promise.race([sidecar.exited, timeout]);
  return { code: exit.code, fatal: sidecar.logs.filter((log) => log.level === 'fatal') };
}

describe('secret-sidecar start-up', () => {
  let dir: string;
  let sidecar: Sidecar | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secret-startup-'));
  });

  afterEach(async () => {
    await sidecar?.close();
    sidecar = undefined;
    await chmod(dir, 0o700).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('should exit 2 with one line naming WEB_REDIS_PASSWORD when it is missing', async () => {
    await publishSecret(dir, { secret: 'foobar' });
    sidecar = await Sidecar.start({ secretDir: dir, env: { WEB_REDIS_PASSWORD: '' } });
    const { code } = await exitOf(sidecar);

    expect(code).toBe(2);
    const lines = sidecar.output.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'fatal', variable: 'WEB_REDIS_PASSWORD' });
  });

  it('should exit 2 naming WEB_REDIS_KEYS when a pattern holds a quote', async () => {
    await publishSecret(dir, { secret: 'foobar' });
    sidecar = await Sidecar.start({ secretDir: dir, keys: 'secret,"other' });

    expect((await exitOf(sidecar)).code).toBe(2);
    expect(sidecar.output).toContain('WEB_REDIS_KEYS');
  });

  it.each([
    ['missing', async (d: string) => rm(d, { recursive: true }), 'does not exist'],
    ['empty', async () => undefined, 'holds no keys'],
    ['holding only hidden names', async (d: string) => writeFile(join(d, '.key'), 'x'), 'no keys'],
    ['a file', async (d: string) => writeFile(join(d, 'f'), 'x'), 'is not a directory'],
    ['with a dangling ..data', async (d: string) => symlink('..x', join(d, '..data')), 'points'],
  ])(
    'should exit 1 with one fatal line naming SECRET_DIR when it is %s',
    async (_, make, problem) => {
      await make(dir);
      const secretDir = problem === 'is not a directory' ? join(dir, 'f') : dir;
      sidecar = await Sidecar.start({ secretDir });
      const { code, fatal } = await exitOf(sidecar);

      expect(code).toBe(1);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]!.msg).toContain(secretDir);
      expect(fatal[0]!.msg).toContain(problem);
      expect(sidecar.redisPid).toBeUndefined();
    },
  );

  it('should exit 1 naming SECRET_DIR when it cannot be read', async () => {
    await writeFile(join(dir, 'secret'), 'foobar');
    await chmod(dir, 0o700);
    // root reads through file modes: the sidecar runs as nobody, the way a pod runs it.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
    sidecar = await Sidecar.start({ secretDir: dir, spawnOptions: asNobody });
    const { code, fatal } = await exitOf(sidecar);

    expect(code).toBe(1);
    expect(fatal[0]?.msg).toBe(`Secret ${dir}: is not readable (permission denied)`);
  });

  it('should exit 1 naming the file and line of a bad command line, not its value', async () => {
    await publishSecret(dir, { 'seed.redis': 'SET a 1\nSET b "unclosed-secret-value\n' });
    sidecar = await Sidecar.start({ secretDir: dir });
    const { code, fatal } = await exitOf(sidecar);

    expect(code).toBe(1);
    expect(fatal[0]?.msg).toBe(`${join(dir, 'seed.redis')}, line 2: unbalanced double quote`);
    expect(sidecar.output).not.toContain('unclosed-secret-value');
  });

  it("should exit 1 with Redis's refusal of an unknown command, naming file and line", async () => {
    await publishSecret(dir, { 'seed.redis': 'SET a 1\n\nNOSUCHCMD secret-arg\n' });
    sidecar = await Sidecar.start({ secretDir: dir });
    const { code, fatal } = await exitOf(sidecar);

    expect(code).toBe(1);
    expect(fatal[0]?.msg).toMatch(
      new RegExp(`seed\\.redis, line 3: Redis refused the command: ERR`),
    );
    expect(sidecar.output).not.toContain('secret-arg');
  });

  it.each([
    ['not a number', 'nine', undefined],
    ['out of range', '70000', undefined],
    ['equal to HEALTH_PORT', '18181', '18181'],
  ])(
    'should exit 2 with one line naming METRICS_PORT when it is %s',
    async (_, metricsPort, healthPort) => {
      await publishSecret(dir, { secret: 'foobar' });
      const env = { METRICS_PORT: metricsPort, ...(healthPort ? { HEALTH_PORT: healthPort } : {}) };
      sidecar = await Sidecar.start({ secretDir: dir, env });
      const { code } = await exitOf(sidecar);

      expect(code).toBe(2);
      const lines = sidecar.output.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'fatal', variable: 'METRICS_PORT' });
      expect(lines[0]).toContain(metricsPort);
    },
  );

  it('should log its resolved configuration once at start, without the password', async () => {
    await publishSecret(dir, { secret: 'foobar' });
    sidecar = await Sidecar.start({ secretDir: dir });
    await sidecar.waitForReady();

    const starting = sidecar.logs.filter((log) => log.msg === 'starting');
    expect(starting).toHaveLength(1);
    expect(starting[0]).toMatchObject({
      level: 'info',
      config: {
        secretDir: dir,
        redisPort: sidecar.redisPort,
        healthPort: sidecar.healthPort,
        metricsHost: '127.0.0.1',
        metricsPort: sidecar.metricsPort,
        webUser: 'web',
        webKeys: ['secret'],
        webPassword: '***',
      },
    });
    expect(findLeaks(sidecar.output, [sidecar.password])).toEqual([]);
  });

  describe('when the metrics port is taken', () => {
    let blocker: Server;

    afterEach(async () => {
      await new Promise((resolve) => blocker?.close(resolve));
    });

    it('should exit 1 naming the metrics server, before starting Redis', async () => {
      await publishSecret(dir, { secret: 'foobar' });
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as AddressInfo).port;
      sidecar = await Sidecar.start({ secretDir: dir, env: { METRICS_PORT: String(port) } });
      const { code, fatal } = await exitOf(sidecar);

      expect(code).toBe(1);
      expect(fatal.map((log) => log.msg)).toEqual([
        expect.stringMatching(/^metrics server: .*EADDRINUSE/),
      ]);
      expect(sidecar.redisPid).toBeUndefined();
    });
  });

  describe('when the Redis port is taken', () => {
    let blocker: Server;

    afterEach(async () => {
      await new Promise((resolve) => blocker?.close(resolve));
    });

    it("should exit non-zero with Redis's own reason", async () => {
      await publishSecret(dir, { secret: 'foobar' });
      sidecar = await Sidecar.start({ secretDir: dir });
      const port = sidecar.redisPort;
      sidecar.child.kill('SIGKILL');
      await sidecar.close();

      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
      sidecar = await Sidecar.start({ secretDir: dir, env: { REDIS_PORT: String(port) } });
      const { code, fatal } = await exitOf(sidecar);

      expect(code).toBe(1);
      expect(fatal[0]?.msg).toContain('redis-server exited with code 1 before it was ready');
      expect(fatal[0]?.msg).toContain('Address already in use');
    });
  });

  it('should exit 1 naming REDIS_SERVER when it cannot be run', async () => {
    await publishSecret(dir, { secret: 'foobar' });
    sidecar = await Sidecar.start({ secretDir: dir, env: { REDIS_SERVER: '/nonexistent/redis' } });
    const { code, fatal } = await exitOf(sidecar);

    expect(code).not.toBe(0);
    expect(fatal[0]?.msg).toContain('/nonexistent/redis');
  });

  it('should answer 503 JSON on /readyz until every key is seeded, then 200', async () => {
    const slow = join(dir, 'bin');
    await mkdir(slow);
    await writeFile(join(slow, 'slow-redis'), '#!/bin/sh\nsleep 1\nexec redis-server "$@"\n', {
      mode: 0o755,
    });
    const secretDir = join(dir, 'secret');
    await publishSecret(secretDir, { secret: 'foobar' });
    sidecar = await Sidecar.start({
      secretDir,
      env: { REDIS_SERVER: join(slow, 'slow-redis') },
    });

    const early = await eventually(() => sidecar!.health('/readyz'));
    expect(early).toEqual({
      status: 503,
      body: { status: 'not ready', reason: 'redis-server does not answer' },
    });
    expect((await sidecar.health('/healthz')).status).toBe(503);

    await sidecar.waitForReady(5000);
    const web = await sidecar.connectAsWeb();
    expect(await web.get('secret')).toBe('foobar');
    web.disconnect();
  });
});
