import { mkdtemp, readlink, rm, symlink, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';

import { publishSecret, type SecretFiles } from './support/kube-secret.js';
import { eventually, Sidecar, type LogRecord } from './support/sidecar.js';

// Every value in this file carries the marker, so that a leak into the log shows.
const MARK = 'rot-secret';
const V1: SecretFiles = {
  secret: `${MARK}-v1 $&*#\n`,
  'gone-later': `${MARK}-gone\r\n`,
  'seed.redis': `SET cmd-a "${MARK}-x"\nAPPEND cmd-a -y\nSET cmd-b "${MARK} b"\n`,
};

describe('secret-sidecar rotation', () => {
  let dir: string;
  let sidecar: Sidecar;
  let web: Redis;

  async function start(pollIntervalMs: number): Promise<void> {
    dir = await mkdtemp(join(tmpdir(), 'secret-rotation-'));
    await publishSecret(dir, V1);
    sidecar = await Sidecar.start({
      secretDir: dir,
      keys: 'secret,gone-later,cmd-*',
      env: { SECRET_POLL_INTERVAL_MS: String(pollIntervalMs) },
    });
    await sidecar.waitForReady();
    web = await sidecar.connectAsWeb();
  }

  function warnings(): LogRecord[] {
    return sidecar.logs.filter((log) => log.level === 'warn' && typeof log.error === 'string');
  }

  afterEach(async () => {
    web?.disconnect();
    expect(sidecar.output).not.toContain(MARK);
    await sidecar?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should serve a value rotated by kubelet within 1 s through the directory watch', async () => {
    await start(60_000);
    const subscriber = await sidecar.connectAsWeb();
    const events: string[] = [];
    subscriber.on('message', (_channel: string, event: string) => events.push(event));
    await subscriber.subscribe('__keyspace@0__:secret');

    await publishSecret(dir, { ...V1, secret: `${MARK}-v2\n` });

    await eventually(async () => expect(await web.get('secret')).toBe(`${MARK}-v2`), 1000);
    await eventually(() => expect(events).toContain('set'), 1000);
    const applied = await sidecar.waitForLog((log) => log.msg === 'Secret rotation applied');
    expect(applied).toMatchObject({ written: ['secret'], deleted: [], unchanged: 2, keys: 4 });
    subscriber.disconnect();
  });

  it('should pick up by polling a change that the directory watch cannot see', async () => {
    await start(200);
    // A write inside the `..<timestamp>` directory makes no event on the Secret directory.
    const version = await readlink(join(dir, '..data'));
    await writeFile(join(dir, version, 'secret'), `${MARK}-polled`);

    await eventually(async () => expect(await web.get('secret')).toBe(`${MARK}-polled`), 1000);
  });

  it('should delete the key of a file that disappeared', async () => {
    await start(60_000);
    const { 'gone-later': _, ...rest } = V1;
    await publishSecret(dir, rest);

    await eventually(async () => expect(await web.get('gone-later')).toBeNull(), 1000);
    expect(await web.get('secret')).toBe(`${MARK}-v1 $&*#`);
    const applied = await sidecar.waitForLog((log) => log.msg === 'Secret rotation applied');
    expect(applied).toMatchObject({ written: [], deleted: ['gone-later'], keys: 3 });
  });

  it('should rewrite the keys of a changed command file whole, dropping stale ones', async () => {
    await start(60_000);
    expect(await web.get('cmd-a')).toBe(`${MARK}-x-y`);

    await publishSecret(dir, { ...V1, 'seed.redis': 'APPEND cmd-a z\n' });

    // Without the delete first, APPEND would give "...-x-yz".
    await eventually(async () => expect(await web.get('cmd-a')).toBe('z'), 1000);
    expect(await web.get('cmd-b')).toBeNull();
  });

  it.each([
    ['an unbalanced quote', `SET cmd-a "${MARK}-broken\n`, 'line 1: unbalanced double quote'],
    ['an unknown command', `SET cmd-a ok\nNOSUCH "${MARK}-arg"\n`, 'line 2: Redis refused'],
    ['a wrong arity', `SET cmd-a\n`, 'line 1: Redis refused'],
  ])('should keep every old value when a command file has %s', async (_, seed, problem) => {
    await start(200);
    await publishSecret(dir, { ...V1, secret: `${MARK}-v2\n`, 'seed.redis': seed });

    const warning = await eventually(() => {
      const found = warnings().find((log) => String(log.error).includes(problem));
      if (!found) throw new Error('no warning yet');
      return found;
    }, 2000);
    expect(warning.error).toContain(join(dir, 'seed.redis'));
    // Whole or not at all: the good value file of the same version is not applied either.
    expect(await web.get('secret')).toBe(`${MARK}-v1 $&*#`);
    expect(await web.get('cmd-a')).toBe(`${MARK}-x-y`);
    expect((await sidecar.health('/readyz')).status).toBe(200);

    // Logged once, not on every poll.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(warnings()).toHaveLength(1);

    await publishSecret(dir, { ...V1, secret: `${MARK}-v3\n` });
    await eventually(async () => expect(await web.get('secret')).toBe(`${MARK}-v3`), 1000);
  });

  it('should keep the old values while ..data points to nothing, then apply the fix', async () => {
    await start(200);
    await symlink('..missing', join(dir, '..data_tmp'));
    const good = await readlink(join(dir, '..data'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));

    await eventually(() => {
      expect(warnings().map((log) => log.error)).toContain(
        `Secret ${join(dir, '..data')}: points to nothing`,
      );
    }, 2000);
    expect(await web.get('secret')).toBe(`${MARK}-v1 $&*#`);

    await symlink(good, join(dir, '..data_tmp'));
    await rename(join(dir, '..data_tmp'), join(dir, '..data'));
    await publishSecret(dir, { ...V1, secret: `${MARK}-v2\n` });
    await eventually(async () => expect(await web.get('secret')).toBe(`${MARK}-v2`), 1000);
  });

  it('should report a command Redis fails while applying as a partial update', async () => {
    // Redis cannot roll back an EXEC whose command fails at run time (INCR on text).
    await start(200);
    const seed = `SET cmd-n text\nINCR cmd-n\n`;
    await publishSecret(dir, { ...V1, secret: `${MARK}-v2\n`, 'seed.redis': seed });

    const warning = await eventually(() => {
      const found = warnings().find((log) => log.partial === true);
      if (!found) throw new Error('no warning yet');
      return found;
    }, 2000);
    expect(warning.error).toContain(
      `${join(dir, 'seed.redis')}, line 2: Redis refused the command`,
    );
    expect(await web.get('secret')).toBe(`${MARK}-v2`);
  });
});
