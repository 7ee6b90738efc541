import { Redis } from 'ioredis';
import {
  GenericContainer,
  getContainerRuntimeClient,
  type StartedTestContainer,
} from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { freePort } from '../../test-support/free-port.js';
import { secretArchive, type SecretArchive } from './secret-archive.js';

// Built by scripts/e2e-containers.sh, which passes the tag on.
const IMAGE = process.env.SECRET_SIDECAR_IMAGE;
const SECRET_DIR = '/etc/secret-sidecar/secret';
const WEB_PASSWORD = 'container-test-password';
const STARTUP_TIMEOUT_MS = 15_000;

// Files Redis writes when persistence is on: an RDB snapshot (save points, or SHUTDOWN with
// any) and the append-only file or directory (Redis 7 makes `appendonlydir`).
const PERSISTENCE_FILE = /(^|\/)(dump\.rdb|appendonly[^/]*|[^/]*\.aof|temp-\d+\.rdb)$/;

/** An entry of the Docker API's container file-system diff (`podman diff`, `docker diff`). */
interface FileChange {
  Path: string;
  Kind: number;
}

describe('secret-sidecar image', () => {
  let container: StartedTestContainer | undefined;
  let archive: SecretArchive | undefined;
  let redisPort: number;
  let healthPort: number;

  beforeAll(async () => {
    if (!IMAGE) throw new Error('SECRET_SIDECAR_IMAGE is unset: run scripts/e2e-containers.sh');
    redisPort = await freePort('127.0.0.1');
    healthPort = await freePort('127.0.0.1');
    archive = await secretArchive(SECRET_DIR, { secret: 'foobar' });

    // Host networking keeps Redis and the health server on this machine's 127.0.0.1; a
    // published port would listen on every address.
    container = await new GenericContainer(IMAGE)
      .withNetworkMode('host')
      .withEnvironment({
        REDIS_BIND: '127.0.0.1',
        REDIS_PORT: String(redisPort),
        HEALTH_HOST: '127.0.0.1',
        HEALTH_PORT: String(healthPort),
        WEB_REDIS_PASSWORD: WEB_PASSWORD,
        POD_NAME: 'secret-sidecar-image-test',
      })
      .withCopyArchivesToContainer([{ tar: archive.tar, target: '/' }])
      .start();
    await waitForReady(`http://127.0.0.1:${healthPort}/readyz`, STARTUP_TIMEOUT_MS).catch(
      async (error: unknown) => {
        throw new Error(`${String(error)}\ncontainer output:\n${await output(container)}`);
      },
    );
  });

  afterAll(async () => {
    await container?.stop().catch(() => undefined);
    await archive?.close();
  });

  it('should serve the seeded key to the web user', async () => {
    const redis = webClient(redisPort);
    try {
      expect(await redis.get('secret')).toBe('foobar');
    } finally {
      redis.disconnect();
    }
  });

  it('should refuse the web user a write', async () => {
    const redis = webClient(redisPort);
    try {
      await expect(redis.set('secret', 'changed')).rejects.toThrow(/NOPERM/);
    } finally {
      redis.disconnect();
    }
  });

  it('should leave no Redis data file in the container after it stops', async () => {
    const id = container!.getId();
    // A stop sends SIGTERM: redis-server would write dump.rdb now if any save point were set.
    await container!.stop({ remove: false });

    const client = await getContainerRuntimeClient();
    const stopped = client.container.dockerode.getContainer(id);
    const changes = ((await stopped.changes()) ?? []) as FileChange[];
    await stopped.remove({ force: true, v: true });
    container = undefined;

    const written = changes
      .map((change) => change.Path)
      .filter((path) => PERSISTENCE_FILE.test(path));
    expect(written).toEqual([]);
  });
});

async function output(container: StartedTestContainer | undefined): Promise<string> {
  if (!container) return '(no container)';

  const chunks: string[] = [];
  const stream = await container.logs({ tail: 30 });
  stream.on('data', (chunk: Buffer | string) => chunks.push(chunk.toString()));
  await new Promise((resolve) => setTimeout(resolve, 500));
  stream.destroy();
  return chunks.join('');
}

// web's connection shape: no ready check (INFO is not allowed) and no CLIENT SETNAME.
function webClient(port: number): Redis {
  return new Redis({
    host: '127.0.0.1',
    port,
    username: 'web',
    password: WEB_PASSWORD,
    enableReadyCheck: false,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
  });
}

async function waitForReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    const status = await fetch(url).then(
      (response) => response.status,
      (error: unknown) => String(error),
    );
    if (status === 200) return;
    last = String(status);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (last: ${last})`);
}
