import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';

import { freePort } from './free-port.js';

/**
 * A real Redis for a test: a container when a container runtime answers and the
 * image can be had, otherwise a local `redis-server` on a free loopback port.
 * With neither, the suite fails with one line: Redis tests are never skipped.
 */
export interface TestRedis {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly kind: 'container' | 'local';
  /** Stops the server; `start()` brings it back on the same port, empty. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server for good. */
  close(): Promise<void>;
}

export interface TestRedisOptions {
  /** Extra redis.conf lines, for example `notify-keyspace-events K$g`. */
  config?: string[];
}

const NO_REDIS =
  'No Redis for tests: install redis-server (apt-get install -y redis-server) ' +
  'or make a container runtime answer (DOCKER_HOST)';

export async function startRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const mode = process.env.TEST_REDIS ?? 'auto';

  if (mode === 'container' || (mode === 'auto' && process.env.DOCKER_HOST)) {
    const container = await tryContainer(options).catch((error: unknown) => {
      if (mode === 'container') throw error;
      return undefined;
    });
    if (container) return container;
  }

  if (!hasLocalRedis()) throw new Error(NO_REDIS);
  return startLocal(options);
}

export function hasLocalRedis(): boolean {
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

async function startLocal(options: TestRedisOptions): Promise<TestRedis> {
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  const host = '127.0.0.1';
  const port = await freePort(host);
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const conf = [
      `bind ${host}`,
      `port ${port}`,
      'save ""',
      'appendonly no',
      'dir /tmp',
      ...(options.config ?? []),
    ].join('\n');
    child = spawn(binary, ['-'], { stdio: ['pipe', 'ignore', 'inherit'] });
    child.stdin?.end(conf);
    await waitForPort(host, port, child);
  };

  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    running.kill('SIGKILL');
    await once(running, 'exit');
  };

  await start();
  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    kind: 'local',
    start,
    stop,
    close: stop,
  };
}

async function tryContainer(options: TestRedisOptions): Promise<TestRedis> {
  const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers');
  await getContainerRuntimeClient();

  const image = process.env.TEST_REDIS_IMAGE ?? 'redis:7.4.2-bookworm';
  const command = ['redis-server', '--save', '', '--appendonly', 'no'];
  for (const line of options.config ?? []) command.push(...line.split(' ').map(toArg));

  let container = await new GenericContainer(image)
    .withCommand(command)
    .withExposedPorts(6379)
    .start();
  const host = '127.0.0.1';
  const port = container.getMappedPort(6379);

  return {
    host,
    port,
    url: `redis://${host}:${port}`,
    kind: 'container',
    stop: async () => {
      await container.stop({ remove: false });
    },
    start: async () => {
      container = await new GenericContainer(image)
        .withCommand(command)
        .withExposedPorts({ container: 6379, host: port })
        .start();
    },
    close: async () => {
      await container.stop();
    },
  };
}

function toArg(word: string, index: number): string {
  return index === 0 ? `--${word}` : word;
}

/** Resolves once something accepts TCP connections on host:port. */
export async function waitForPort(
  host: string,
  port: number,
  child?: ChildProcess,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`redis-server exited with status ${child.exitCode} before listening`);
    }
    if (await canConnect(host, port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`nothing listened on ${host}:${port} within ${timeoutMs} ms`);
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
