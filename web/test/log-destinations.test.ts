import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { getText } from '../../test-support/http-get.js';
import type { TestRedis } from '../../test-support/redis.js';
import { waitFor } from '../../test-support/wait.js';
import { seededRedis } from './support/web-fixture.js';
import { spawnWeb, type WebProcess } from './support/web-process.js';

const GREETING = 'Hi there! The secret is foobar.\n';

/** SIGTERM, then the exit code, or 'hung' when web has not exited within 5 s. */
async function terminate(web: WebProcess): Promise<number | string> {
  web.child.kill('SIGTERM');
  const hung = new Promise<string>((resolve) => setTimeout(() => resolve('hung'), 5000).unref());
  return Promise.race([web.exited, hung]);
}

describe('web with a log destination that takes nothing', () => {
  let redis: TestRedis;
  let admin: Redis;
  let dir: string;

  beforeAll(async () => {
    ({ redis, admin } = await seededRedis('foobar'));
    dir = await mkdtemp(join(tmpdir(), 'web-full-'));
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should serve, say LOG_FILE fails once and exit 0 on SIGTERM when its disk is full', async () => {
    const logFile = join(dir, 'full.log');
    await symlink('/dev/full', logFile);
    const web = await spawnWeb({ REDIS_URL: redis.url, LOG_FILE: logFile });
    try {
      await web.waitForLog('web listening');
      for (let n = 0; n < 20; n += 1) expect((await getText(web.port)).body).toBe(GREETING);
      await waitFor('the LOG_FILE warning', () =>
        web.lines().some((line) => line.msg === 'cannot write log lines to this destination'),
      );
      // The file opens again, yet takes nothing: that is no recovery.
      web.child.kill('SIGHUP');
      await web.waitForLog('reopened LOG_FILE');
      expect((await getText(web.port)).body).toBe(GREETING);

      expect(await terminate(web)).toBe(0);
      const warnings = web
        .lines()
        .filter((line) => line.msg === 'cannot write log lines to this destination');
      expect(warnings).toEqual([
        expect.objectContaining({ destination: 'LOG_FILE', file: logFile, reason: 'ENOSPC' }),
      ]);
      expect(web.lines().filter((line) => line.msg === 'request completed')).toHaveLength(21);
      expect(web.lines().map((line) => line.msg)).not.toContain(
        'log lines are written to this destination again',
      );
    } finally {
      await web.kill();
    }
  });

  it('should serve and exit 0 on SIGTERM when stdout is full, logging that to LOG_FILE', async () => {
    const logFile = join(dir, 'web.log');
    const full = openSync('/dev/full', 'w');
    const web = await spawnWeb({ REDIS_URL: redis.url, LOG_FILE: logFile }, [], {
      stdoutFd: full,
    });
    closeSync(full);
    try {
      await waitFor('web listening in LOG_FILE', async () =>
        (await readFile(logFile, 'utf8').catch(() => '')).includes('web listening'),
      );
      expect((await getText(web.port)).body).toBe(GREETING);

      expect(await terminate(web)).toBe(0);
      const lines = (await readFile(logFile, 'utf8')).trimEnd().split('\n');
      const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(records).toContainEqual(
        expect.objectContaining({ destination: 'stdout', reason: 'ENOSPC' }),
      );
      expect(records).toContainEqual(expect.objectContaining({ msg: 'web stopped' }));
    } finally {
      await web.kill();
    }
  });

  it('should say a SIGHUP found no directory, and reopen once it is back', async () => {
    const logDir = join(dir, 'logs');
    await mkdir(logDir);
    const logFile = join(logDir, 'web.log');
    const web = await spawnWeb({ REDIS_URL: redis.url, LOG_FILE: logFile });
    try {
      await web.waitForLog('web listening');
      await rename(logDir, join(dir, 'logs-gone'));

      const refusals = () =>
        web.lines().filter((line) => line.msg.startsWith('cannot reopen LOG_FILE')).length;
      for (let n = 1; n <= 3; n += 1) {
        web.child.kill('SIGHUP');
        await waitFor(`refusal ${n}`, () => refusals() === n);
      }
      await mkdir(logDir);
      web.child.kill('SIGHUP');
      await web.waitForLog('reopened LOG_FILE');
      expect((await getText(web.port)).body).toBe(GREETING);
      await waitFor('a request line in the new file', async () =>
        (await readFile(logFile, 'utf8').catch(() => '')).includes('request completed'),
      );

      const messages = web.lines().map((line) => line.msg);
      expect(messages.filter((msg) => msg === 'reopened LOG_FILE')).toHaveLength(1);
      expect(messages).not.toContain('cannot write log lines to this destination');
    } finally {
      await web.kill();
    }
  });
});
