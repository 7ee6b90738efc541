import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { publishSecret } from './support/kube-secret.js';
import { findLeaks, HEALTHCHECK, Sidecar } from './support/sidecar.js';

const TRICKY = `it's "quoted" $HOME & * # -x grüße ✓`;
const PASSWORD = `p@ss "word" $USER & * # -n ümlaut`;

// Value files: key = file name, value = content less ONE trailing LF or CRLF.
const VALUE_FILES: Record<string, string | Buffer> = {
  secret: 'foobar\n',
  'value-plain': 'foobar',
  'value-crlf': 'foobar\r\n',
  'value-tricky': `${TRICKY}\n`,
  'value-dash': '-leading dash',
  'value-two-newlines': 'two\n\n',
  'value-binary': Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x0a]),
  'value-hidden-from-web': 'web may not read this one',
};

// Command files: redis-cli quoting, CRLF line endings, blank lines.
const SEED_REDIS = [
  'SET cmd-space "with space"',
  '',
  `SET cmd-single 'it\\'s "quoted"'`,
  'SET cmd-symbols "$HOME & * # ok"',
  'SET cmd-dash -leading',
  'SET cmd-utf8 "grüße ✓"',
  'SET cmd-escapes "tab\\there\\x21"',
  'SET cmd-newline "foobar\\n"',
  'RPUSH cmd-list a "b c"',
].join('\r\n');

const EXPECTED: Record<string, string | Buffer> = {
  secret: 'foobar',
  'value-plain': 'foobar',
  'value-crlf': 'foobar',
  'value-tricky': TRICKY,
  'value-dash': '-leading dash',
  'value-two-newlines': 'two\n',
  'value-binary': Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a]),
  'cmd-space': 'with space',
  'cmd-single': `it's "quoted"`,
  'cmd-symbols': '$HOME & * # ok',
  'cmd-dash': '-leading',
  'cmd-utf8': 'grüße ✓',
  'cmd-escapes': 'tab\there!',
  'cmd-newline': 'foobar\n',
};

describe('secret-sidecar seeding', () => {
  let dir: string;
  let sidecar: Sidecar;
  let web: Redis;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'secret-seeding-'));
    await publishSecret(dir, { ...VALUE_FILES, 'seed.redis': SEED_REDIS });
    sidecar = await Sidecar.start({
      secretDir: dir,
      password: PASSWORD,
      keys: 'secret,value-*,cmd-*',
    });
    await sidecar.waitForReady();
    web = await sidecar.connectAsWeb();
  });

  afterAll(async () => {
    web?.disconnect();
    await sidecar?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.entries(EXPECTED))(
    'should let web GET %s exactly as seeded',
    async (key, value) => {
      expect(await web.getBuffer(key)).toEqual(Buffer.from(value));
    },
  );

  it('should run every command of a command file, not only SET', async () => {
    // LRANGE is not web's to call: the list's presence shows through GET's WRONGTYPE.
    await expect(web.get('cmd-list')).rejects.toThrow('WRONGTYPE');
  });

  it.each([
    ['SET', ['secret', 'x']],
    ['CONFIG', ['GET', '*']],
    ['KEYS', ['*']],
    ['FLUSHALL', []],
    ['MONITOR', []],
    ['INFO', []],
  ])('should refuse %s to web with NOPERM', async (command, args) => {
    await expect(web.call(command, ...args)).rejects.toThrow(/NOPERM/);
  });

  it("should refuse web a channel other than its keys' keyspace channels", async () => {
    const subscriber = await sidecar.connectAsWeb();
    try {
      await expect(subscriber.subscribe('__keyspace@0__:other')).rejects.toThrow(/NOPERM/);
      await expect(subscriber.subscribe('__keyspace@0__:secret')).resolves.toBe(1);
    } finally {
      subscriber.disconnect();
    }
  });

  it('should refuse DEBUG to web', async () => {
    // Redis 7 checks enable-debug-command (off) before the ACL, so its refusal comes first.
    await expect(web.call('DEBUG', 'SLEEP', '0')).rejects.toThrow(
      /NOPERM|DEBUG command not allowed/,
    );
  });

  it('should refuse web a key outside WEB_REDIS_KEYS', async () => {
    await expect(web.get('value-hidden-from-web-not-listed')).resolves.toBeNull();
    const narrow = await Sidecar.start({ secretDir: dir, keys: 'secret' });
    try {
      await narrow.waitForReady();
      const client = await narrow.connectAsWeb();
      await expect(client.get('value-plain')).rejects.toThrow(/NOPERM/);
      await expect(client.get('secret')).resolves.toBe('foobar');
      client.disconnect();
    } finally {
      await narrow.close();
    }
  });

  it.each([
    ['default', PASSWORD],
    ['default', ''],
    ['web', 'wrong'],
    ['web', `${PASSWORD} `],
  ])('should refuse AUTH %s with password %j', async (user, password) => {
    const anonymous = await sidecar.connectAnonymously();
    try {
      await expect(anonymous.call('AUTH', user, password)).rejects.toThrow(/WRONGPASS/);
    } finally {
      anonymous.disconnect();
    }
  });

  it('should refuse a client that does not authenticate at all', async () => {
    const anonymous = await sidecar.connectAnonymously();
    try {
      await expect(anonymous.get('secret')).rejects.toThrow(/NOAUTH/);
    } finally {
      anonymous.disconnect();
    }
  });

  it('should answer 200 on /healthz and /readyz once seeded', async () => {
    expect(await sidecar.health('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await sidecar.health('/readyz')).status).toBe(200);
  });

  it('should make dist/healthcheck.js exit 0 when ready and 1 when nothing answers', () => {
    const env = { PATH: process.env.PATH, HEALTH_PORT: String(sidecar.healthPort) };
    expect(spawnSync(process.execPath, [HEALTHCHECK], { env }).status).toBe(0);

    const closed = { ...env, HEALTH_PORT: String(sidecar.redisPort) };
    expect(spawnSync(process.execPath, [HEALTHCHECK], { env: closed }).status).toBe(1);
  });

  it('should log key names and counts but never a value or the password', async () => {
    const seeded = await sidecar.waitForLog((log) => log.msg === 'Secret seeded into Redis');
    expect(seeded.keys).toBe(Object.keys(EXPECTED).length + 2);
    expect(seeded.written).toContain('cmd-space');

    const secrets = [PASSWORD, TRICKY, 'with space', 'grüße ✓', '-leading dash', 'tab\there!'];
    expect(findLeaks(sidecar.output, secrets)).toEqual([]);
    expect(sidecar.output).toContain('Ready to accept connections');
  });
});
