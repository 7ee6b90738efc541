import type { RequestListener, Server } from 'node:http';

import { metricsListener } from '@sidecar-pod/common';
import { Redis } from 'ioredis';

import { createWebHandler } from '../../src/app.js';
import { clientErrorHandler } from '../../src/client-error.js';
import { loadConfig, type WebConfig } from '../../src/config.js';
import { listen, type ClientErrorListener } from '../../src/server.js';
import { createServices, type WebServices } from '../../src/services.js';
import { startRedis, type TestRedis } from '../../../test-support/redis.js';
import { captureLogs, type CapturedLogs } from './capture-logger.js';
import { waitFor } from '../../../test-support/wait.js';

/** Redis config lines the web tests need: keyspace events as the sidecar sets them. */
export const REDIS_CONFIG = ['notify-keyspace-events KA', 'enable-debug-command local'];

export interface WebUnderTest {
  /** The request listener main.ts serves: the fast path for GET /, then Express. */
  app: RequestListener;
  config: WebConfig;
  services: WebServices;
  logs: CapturedLogs;
  close(): Promise<void>;
}

/** web's app wired as main.ts wires it, against a test Redis, logging into memory. */
export function createWeb(redis: TestRedis, env: Record<string, string> = {}): WebUnderTest {
  const config = loadConfig({ REDIS_URL: redis.url, HOST: '127.0.0.1', ...env });
  const logs = captureLogs();
  const services = createServices(config, logs.logger);
  const app = createWebHandler({ ...services, logger: logs.logger });

  return {
    app,
    config,
    services,
    logs,
    close: async () => services.close(),
  };
}

export interface Listening {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** The same app behind a real listening server on a free loopback port. */
export function listenWeb(web: WebUnderTest): Promise<Listening> {
  return listenOnLoopback(web.app, clientErrorHandler(web.logs.logger, web.services.metrics));
}

/** The app's metrics on a server of their own, as main.ts serves them. */
export function listenMetrics(web: WebUnderTest): Promise<Listening> {
  return listenOnLoopback(metricsListener(web.services.metrics.registry));
}

async function listenOnLoopback(
  handler: RequestListener,
  onClientError?: ClientErrorListener,
): Promise<Listening> {
  const server = await listen(handler, '127.0.0.1', 0, onClientError);
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');

  return {
    server,
    port: address.port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An unrestricted connection for the test's own Redis commands. */
export function adminClient(
  redis: TestRedis,
  options: { username?: string; password?: string } = {},
) {
  const client = new Redis({ host: redis.host, port: redis.port, ...options, lazyConnect: false });
  client.on('error', () => undefined);
  return client;
}

/** Waits until the command connection is ready, so a request does not race start-up. */
export function redisReady(web: WebUnderTest): Promise<void> {
  return waitFor('the command connection', () =>
    web.logs
      .lines()
      .some((line) => line.msg === 'Redis connection ready' && line.connection === 'commands'),
  );
}

/** Waits until the command connection is ready and the keyspace subscription confirmed. */
export async function cacheLive(web: WebUnderTest): Promise<void> {
  await redisReady(web);
  await waitFor('the keyspace subscription', () => logged(web, 'secret cache live'));
}

export function logged(web: WebUnderTest, message: string): boolean {
  return countLogged(web, message) > 0;
}

export function countLogged(web: WebUnderTest, message: string): number {
  return web.logs.lines().filter((line) => line.msg.startsWith(message)).length;
}

/** A test Redis with keyspace events, an admin client, and key `secret` set to `value`. */
export async function seededRedis(value: string): Promise<{ redis: TestRedis; admin: Redis }> {
  const redis = await startRedis({ config: REDIS_CONFIG });
  const admin = adminClient(redis);
  await admin.set('secret', value);
  return { redis, admin };
}
