import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';

import { publishSecret, type SecretFiles } from './support/kube-secret.js';
import { sample } from './support/metrics-text.js';
import { eventually, Sidecar } from './support/sidecar.js';

const V1: SecretFiles = {
  secret: 'metrics-v1\n',
  'seed.redis': 'SET cmd-a one\nSET cmd-b two\n',
};
const APPLIED = 'secret_sidecar_seeds_total{outcome="applied"}';
const REJECTED = 'secret_sidecar_seeds_total{outcome="rejected"}';
const PARTIAL = 'secret_sidecar_seeds_total{outcome="partial"}';
const KEYS = 'secret_sidecar_keys_seeded';
const LAST_SEED = 'secret_sidecar_last_successful_seed_timestamp_seconds';
const UP_TO_DATE = 'secret_sidecar_secret_up_to_date';
const RESTARTS = 'secret_sidecar_redis_restarts_total';
const REDIS_UP = 'secret_sidecar_redis_up';

const failures = (reason: string) => `secret_sidecar_seed_failures_total{reason="${reason}"}`;

describe('secret-sidecar metrics', () => {
  let dir: string;
  let sidecar: Sidecar;
  let web: Redis | undefined;

  async function start(env: Record<string, string> = {}): Promise<void> {
    dir = await mkdtemp(join(tmpdir(), 'secret-metrics-'));
    await publishSecret(dir, V1);
    sidecar = await Sidecar.start({ secretDir: dir, keys: 'secret,cmd-*', env });
    await sidecar.waitForReady();
    web = await sidecar.connectAsWeb();
  }

  afterEach(async () => {
    web?.disconnect();
    web = undefined;
    await sidecar?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('should count the first seed and its keys once Redis is seeded', async () => {
    const before = Date.now() / 1000;
    await start();
    const scrape = await sidecar.metrics();

    expect(sample(scrape, APPLIED)).toBe(1);
    expect(sample(scrape, REJECTED)).toBe(0);
    expect(sample(scrape, PARTIAL)).toBe(0);
    expect(sample(scrape, KEYS)).toBe(3);
    expect(sample(scrape, UP_TO_DATE)).toBe(1);
    expect(sample(scrape, REDIS_UP)).toBe(1);
    expect(sample(scrape, RESTARTS)).toBe(0);
    expect(sample(scrape, LAST_SEED)).toBeGreaterThan(before - 5);
    expect(sample(scrape, LAST_SEED)).toBeLessThanOrEqual(Date.now() / 1000);
    for (const reason of ['secret_unreadable', 'command_file_invalid', 'redis_refused']) {
      expect(sample(scrape, failures(reason))).toBe(0);
    }
  });

  it("should serve prom-client's process metrics under the secret_sidecar_ prefix", async () => {
    await start();
    const response = await fetch(`http://127.0.0.1:${sidecar.metricsPort}/metrics`);
    const text = await response.text();

    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('# TYPE secret_sidecar_process_cpu_user_seconds_total counter');
    expect(text).toContain('secret_sidecar_nodejs_heap_size_used_bytes');
    const unprefixed = text
      .split('\n')
      .filter((line) => line !== '' && !/^(# (HELP|TYPE) )?secret_sidecar_/.test(line));
    expect(unprefixed).toEqual([]);
  });

  it('should move the applied count by exactly 1 per rotation', async () => {
    await start();
    const first = await sidecar.metrics();

    await publishSecret(dir, { ...V1, secret: 'metrics-v2\n', extra: 'x' });
    await eventually(async () => expect(await web!.get('secret')).toBe('metrics-v2'), 2000);
    await eventually(async () => expect(sample(await sidecar.metrics(), KEYS)).toBe(4), 1000);
    await publishSecret(dir, { ...V1, secret: 'metrics-v3\n', extra: 'x' });
    await eventually(async () => expect(await web!.get('secret')).toBe('metrics-v3'), 2000);
    // Polls in between find the same version and must not count it again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const third = await sidecar.metrics();

    expect(sample(third, APPLIED) - sample(first, APPLIED)).toBe(2);
    expect(sample(third, LAST_SEED)).toBeGreaterThan(sample(first, LAST_SEED));
    expect(sample(third, REJECTED)).toBe(0);
  });

  it.each([
    ['an unbalanced quote', 'rejected', 'command_file_invalid', 'SET cmd-a "open\n'],
    ['an unknown command', 'rejected', 'redis_refused', 'SET cmd-a ok\nNOSUCH x\n'],
    ['INCR on text', 'partial', 'redis_refused', 'SET cmd-n text\nINCR cmd-n\n'],
  ])(
    'should count a command file with %s once as %s, for reason %s',
    async (_, outcome, reason, seed) => {
      await start();
      const before = await sidecar.metrics();

      await publishSecret(dir, { ...V1, secret: 'metrics-v2\n', 'seed.redis': seed });
      const after = await eventually(async () => {
        const scrape = await sidecar.metrics();
        expect(sample(scrape, `secret_sidecar_seeds_total{outcome="${outcome}"}`)).toBe(1);
        return scrape;
      }, 2000);
      // The poll (200 ms) sees the same refused version again: it is not counted again.
      await new Promise((resolve) => setTimeout(resolve, 600));
      const later = await sidecar.metrics();

      expect(sample(later, `secret_sidecar_seeds_total{outcome="${outcome}"}`)).toBe(1);
      expect(sample(later, failures(reason))).toBe(1);
      expect(sample(later, APPLIED)).toBe(sample(before, APPLIED));
      expect(sample(later, UP_TO_DATE)).toBe(0);
      expect(sample(later, LAST_SEED)).toBe(sample(before, LAST_SEED));
      if (outcome === 'rejected') {
        expect(sample(after, KEYS)).toBe(sample(before, KEYS));
        expect(await web!.get('secret')).toBe('metrics-v1');
      }
    },
  );

  it('should mark Redis up to date again when a refused version is rolled back', async () => {
    await start();
    await publishSecret(dir, { ...V1, 'seed.redis': 'SET cmd-a ok\nNOSUCH x\n' });
    await eventually(async () => {
      expect(sample(await sidecar.metrics(), UP_TO_DATE)).toBe(0);
    }, 2000);

    await publishSecret(dir, V1);

    await eventually(async () => {
      expect(sample(await sidecar.metrics(), UP_TO_DATE)).toBe(1);
    }, 2000);
    expect(await web!.get('cmd-a')).toBe('one');
  });

  it('should write a version again after a partial apply, even one equal to the last', async () => {
    await start();
    await publishSecret(dir, { ...V1, 'seed.redis': 'SET cmd-a changed\nINCR cmd-a\n' });
    await eventually(async () => {
      expect(sample(await sidecar.metrics(), PARTIAL)).toBe(1);
    }, 2000);
    expect(await web!.get('cmd-a')).toBe('changed');

    await publishSecret(dir, V1);

    await eventually(async () => {
      expect(await web!.get('cmd-a')).toBe('one');
    }, 2000);
    expect(sample(await sidecar.metrics(), UP_TO_DATE)).toBe(1);
  });

  it('should count an unreadable Secret once and mark Redis as behind it', async () => {
    await start();
    await rm(dir, { recursive: true });

    await eventually(async () => {
      expect(sample(await sidecar.metrics(), failures('secret_unreadable'))).toBe(1);
    }, 2000);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const scrape = await sidecar.metrics();

    expect(sample(scrape, failures('secret_unreadable'))).toBe(1);
    expect(sample(scrape, UP_TO_DATE)).toBe(0);
    expect(sample(scrape, REJECTED)).toBe(0);
    expect(sample(scrape, KEYS)).toBe(3);
  });

  it('should count a restart of a killed redis-server and its re-seed', async () => {
    await start();
    const firstPid = sidecar.redisPid!;

    process.kill(firstPid, 'SIGKILL');
    await eventually(() => expect(sidecar.redisPid).not.toBe(firstPid), 3000);
    await sidecar.waitForReady(3000);
    const scrape = await sidecar.metrics();

    expect(sample(scrape, RESTARTS)).toBe(1);
    expect(sample(scrape, APPLIED)).toBe(2);
    expect(sample(scrape, KEYS)).toBe(3);
    expect(sample(scrape, REDIS_UP)).toBe(1);
  });

  it('should report Redis down while it does not answer PING', async () => {
    await start();
    const redisPid = sidecar.redisPid!;

    process.kill(redisPid, 'SIGSTOP');
    try {
      expect(sample(await sidecar.metrics(), REDIS_UP)).toBe(0);
    } finally {
      process.kill(redisPid, 'SIGCONT');
    }
    await eventually(async () => expect(sample(await sidecar.metrics(), REDIS_UP)).toBe(1));
  });

  it.each([
    ['/metrics on the health port', 404, 'health', '/metrics', 'GET'],
    ['/healthz on the metrics port', 404, 'metrics', '/healthz', 'GET'],
    ['POST /metrics', 405, 'metrics', '/metrics', 'POST'],
    ['HEAD /metrics', 200, 'metrics', '/metrics', 'HEAD'],
  ] as const)('should answer %s with %i', async (_, status, server, path, method) => {
    await start();
    const port = server === 'health' ? sidecar.healthPort : sidecar.metricsPort;
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
    await response.arrayBuffer();

    expect(response.status).toBe(status);
  });

  it('should listen for metrics on 127.0.0.1 only when METRICS_HOST is not set', async () => {
    await start({ METRICS_HOST: '' });

    expect(listeningAddresses(sidecar.metricsPort)).toEqual(['127.0.0.1']);
    expect(sample(await sidecar.metrics(), APPLIED)).toBe(1);
  });
});

/** The local IPv4 and IPv6 addresses that listen on `port`, read from /proc/net/tcp{,6}. */
function listeningAddresses(port: number): string[] {
  const LISTEN = '0A';
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const addresses: string[] = [];

  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1);
    for (const row of rows) {
      const [, local, , state] = row.trim().split(/\s+/);
      const [address, localPort] = local!.split(':');
      if (localPort !== hexPort || state !== LISTEN) continue;
      addresses.push(address!.length === 8 ? ipv4(address!) : `ipv6 ${address}`);
    }
  }
  return addresses;
}

/** /proc/net/tcp writes an IPv4 address as one little-endian hex word. */
function ipv4(hex: string): string {
  return [6, 4, 2, 0].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)).join('.');
}
