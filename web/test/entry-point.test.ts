import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../../test-support/free-port.js';
import { getText } from '../../test-support/http-get.js';
import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { sleep, waitFor } from '../../test-support/wait.js';
import { adminClient, REDIS_CONFIG, seededRedis } from './support/web-fixture.js';
import { spawnWeb } from './support/web-process.js';

describe('web entry point configuration', () => {
  it.each([
    ['PORT=abc', { PORT: 'abc' }, 'PORT', undefined],
    ['PORT=70000', { PORT: '70000' }, 'PORT', undefined],
    ['METRICS_PORT=x', { METRICS_PORT: 'x' }, 'METRICS_PORT', undefined],
    ['METRICS_PORT=99999', { METRICS_PORT: '99999' }, 'METRICS_PORT', undefined],
    ['REDIS_URL without a host', { REDIS_URL: 'redis://:hunter2@' }, 'REDIS_URL', 'hunter2'],
    [
      'REDIS_URL with another scheme',
      { REDIS_URL: 'http://u:s3cr3t@host:1' },
      'REDIS_URL',
      's3cr3t',
    ],
    [
      'REDIS_COMMAND_TIMEOUT_MS=0',
      { REDIS_COMMAND_TIMEOUT_MS: '0' },
      'REDIS_COMMAND_TIMEOUT_MS',
      undefined,
    ],
    ['SECRET_CACHE=maybe', { SECRET_CACHE: 'maybe' }, 'SECRET_CACHE', undefined],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL', undefined],
    [
      'LOG_FILE in a missing directory',
      { LOG_FILE: '/nonexistent-dir/web.log' },
      'LOG_FILE',
      undefined,
    ],
  ])(
    'should exit 2 with one line naming the variable for %s',
    async (_name, env, variable, secret) => {
      const web = await spawnWeb({ REDIS_PASSWORD: 'pw-never-printed', ...env });
      try {
        expect(await web.exited).toBe(2);

        const lines = web.stderr().trimEnd().split('\n');
        expect(lines).toHaveLength(1);
        const line = JSON.parse(lines[0]!) as Record<string, unknown>;
        expect(line).toMatchObject({ level: 'fatal', variable });
        expect(String(line.msg)).toContain(`${variable}:`);
        expect(web.stdout()).toBe('');
        expect(web.stderr()).not.toContain('pw-never-printed');
        if (secret) expect(web.stderr()).not.toContain(secret);
      } finally {
        await web.kill();
      }
    },
  );
});

describe('web entry point listening', () => {
  it('should exit 1 with a fatal line when its port is taken', async () => {
    const taken = createServer();
    const port = await freePort();
    taken.listen(port, '127.0.0.1');
    await once(taken, 'listening');
    try {
      const web = await spawnWeb({ PORT: String(port), REDIS_URL: 'redis://127.0.0.1:1' });

      expect(await web.exited).toBe(1);
      expect(web.lines().at(-1)).toMatchObject({
        level: 'fatal',
        msg: 'cannot listen; exiting',
        variables: 'HOST, PORT',
        reason: 'EADDRINUSE',
      });
      expect(web.stdout()).not.toContain('"stack"');
    } finally {
      taken.close();
    }
  });
});

describe('web entry point logging', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;
  let dir: string;

  beforeAll(async () => {
    ({ redis, admin } = await seededRedis('foobar'));
    dir = await mkdtemp(join(tmpdir(), 'web-logs-'));
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should log the resolved configuration once, the password as ***', async () => {
    const url = new URL(redis.url);
    url.username = 'web';
    url.password = 'url-pw-never-logged';
    const web = await spawnWeb({
      REDIS_URL: url.toString(),
      REDIS_PASSWORD: 'env-pw-never-logged',
      METRICS_HOST: '127.0.0.1',
      SECRET_KEY: 'secret',
      SHUTDOWN_TIMEOUT_MS: '3000',
      LOG_LEVEL: 'debug',
      POD_NAME: 'demo-1',
    });
    try {
      await web.waitForLog('web listening');
      const line = web.lines().find((entry) => entry.msg === 'web listening');
      const { level, time, msg, service, version, pod, ...settings } = line!;

      expect({ level, msg, service, pod }).toEqual({
        level: 'info',
        msg: 'web listening',
        service: 'web',
        pod: 'demo-1',
      });
      expect(typeof time).toBe('string');
      expect(typeof version).toBe('string');
      expect(settings).toEqual({
        host: '127.0.0.1',
        port: web.port,
        metricsHost: '127.0.0.1',
        metricsPort: web.metricsPort,
        redis: `redis://web:***@127.0.0.1:${url.port}`,
        redisUser: 'web',
        redisPassword: '***',
        commandTimeoutMs: 1000,
        key: 'secret',
        cache: 'on',
        shutdownTimeoutMs: 3000,
        logLevel: 'debug',
        logFile: null,
        logFileMaxBytes: 50 * 1024 * 1024,
        podName: 'demo-1',
      });
      expect(web.stdout()).not.toContain('pw-never-logged');
      expect(web.lines().filter((entry) => entry.msg === 'web listening')).toHaveLength(1);
    } finally {
      await web.kill();
    }
  });

  it('should append to LOG_FILE and stdout alike and reopen the file on SIGHUP', async () => {
    const logFile = join(dir, 'web.log');
    await writeFile(logFile, '{"earlier":"line"}\n');
    const web = await spawnWeb({ REDIS_URL: redis.url, LOG_FILE: logFile });
    try {
      await web.waitForLog('web listening');
      const before = await getText(web.port);
      await waitFor('the request line in the file', async () =>
        (await readFile(logFile, 'utf8')).includes(before.id),
      );
      const firstFile = await readFile(logFile, 'utf8');
      expect(firstFile.startsWith('{"earlier":"line"}\n')).toBe(true);
      expect(web.stdout()).toContain(before.id);

      await rename(logFile, `${logFile}.1`);
      web.child.kill('SIGHUP');
      await web.waitForLog('reopened LOG_FILE');
      const after = await getText(web.port);
      await waitFor('the request line in the new file', async () =>
        (await readFile(logFile, 'utf8').catch(() => '')).includes(after.id),
      );

      expect(await readFile(`${logFile}.1`, 'utf8')).not.toContain(after.id);
      expect(web.stdout()).toContain(after.id);
    } finally {
      await web.kill();
    }
  });

  it('should rotate LOG_FILE to <name>.1 past LOG_FILE_MAX_BYTES and lose no line', async () => {
    const logFile = join(dir, 'rotating.log');
    const web = await spawnWeb({
      REDIS_URL: redis.url,
      LOG_FILE: logFile,
      LOG_FILE_MAX_BYTES: '4000',
    });
    try {
      await web.waitForLog('web listening');
      const ids: string[] = [];
      for (let n = 0; n < 30; n += 1) ids.push((await getText(web.port)).id);
      const last = ids.at(-1)!;
      await waitFor('the last request line on disk', async () =>
        (await readFile(logFile, 'utf8').catch(() => '')).includes(last),
      );

      const rotated = await readFile(`${logFile}.1`, 'utf8');
      const current = await readFile(logFile, 'utf8');
      const logged = (rotated + current)
        .split('\n')
        .filter((line) => line.includes('request completed'))
        .map((line) => (JSON.parse(line) as { reqId: string }).reqId);

      // About 250 characters a line: the 30 lines rotate the file, and the two files hold
      // the newest lines, each once and in order, with no gap at the rotation.
      // The limit counts bytes on disk: a file is renamed only once it holds them.
      expect(Buffer.byteLength(rotated)).toBeGreaterThanOrEqual(4000);
      expect(current.length).toBeLessThan(4000);
      expect(logged.length).toBeGreaterThan(10);
      expect(logged).toEqual(ids.slice(ids.length - logged.length));
    } finally {
      await web.kill();
    }
  });

  it('should create a missing LOG_FILE in an existing directory', async () => {
    const logFile = join(dir, 'new.log');
    const web = await spawnWeb({ REDIS_URL: redis.url, LOG_FILE: logFile });
    try {
      await web.waitForLog('web listening');
      await waitFor('the start-up line in the file', async () =>
        (await readFile(logFile, 'utf8').catch(() => '')).includes('web listening'),
      );
    } finally {
      await web.kill();
    }
  });

  it('should keep stdout to JSON lines and stderr empty while Redis is unreachable', async () => {
    const down = await startRedis({ config: REDIS_CONFIG });
    await down.stop();
    const web = await spawnWeb({ REDIS_URL: down.url });
    try {
      await web.waitForLog('web listening');
      expect((await getText(web.port)).status).toBe(503);
      await sleep(1500);

      const lines = web.lines();
      expect(lines.filter((line) => line.level === 'warn')).toHaveLength(2);
      expect(
        web
          .stdout()
          .split('\n')
          .filter((line) => line !== '').length,
      ).toBe(lines.length);
      expect(web.stderr()).toBe('');
    } finally {
      await web.kill();
      await down.close();
    }
  });
});
