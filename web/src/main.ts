import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';

import { ConfigError, createLogger } from '@sidecar-pod/common';
import { pino } from 'pino';

import { createApp } from './app.js';
import { loadConfig, type WebConfig } from './config.js';
import { openLogs, type WebLogs } from './logger.js';
import { drain, listen } from './server.js';
import { createServices } from './services.js';

/** Exit status for a configuration that cannot start (the runner and tests rely on it). */
const EXIT_CONFIG = 2;

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const config = startOrExit(() => loadConfig(process.env));
const logs = startOrExit(() => openLogs(config, version));
await run(config, logs);

async function run(config: WebConfig, logs: WebLogs): Promise<void> {
  const { logger } = logs;
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception; exiting');
    logs.flushSync();
    process.exit(1);
  });

  const services = createServices(config, logger);
  const app = createApp({ ...services, logger });
  let server: Server | undefined;

  // Installed before listening, so a signal during start-up also ends in an orderly exit.
  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, timeoutMs: config.shutdownTimeoutMs },
      'shutting down: refusing new connections, finishing requests in flight',
    );

    const outcome = server ? await drain(server, config.shutdownTimeoutMs) : 'drained';
    if (outcome === 'forced') {
      logger.warn(
        { timeoutMs: config.shutdownTimeoutMs },
        'shutdown timeout: closed connections still open',
      );
    }
    services.close();
    logger.info({ signal }, 'web stopped');

    await logs.close();
    process.exit(0);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGHUP', () => {
    if (!config.logFile) return logger.info('SIGHUP ignored: LOG_FILE is not set');

    logs.reopen();
    logger.info({ file: config.logFile }, 'reopened LOG_FILE');
  });

  server = await listen(app, config.host, config.port).catch(async (error: unknown) => {
    logger.fatal({ err: error, host: config.host, port: config.port }, 'cannot listen; exiting');
    services.close();
    await logs.close();
    return process.exit(1);
  });
  logger.info(
    {
      host: config.host,
      port: config.port,
      redis: config.redis.displayUrl,
      redisUser: config.redis.username ?? 'default',
      key: config.secretKey,
      cache: config.secretCache ? 'on' : 'off',
      commandTimeoutMs: config.redis.commandTimeoutMs,
      logFile: config.logFile ?? null,
      logFileMaxBytes: config.logFileMaxBytes,
    },
    'web listening',
  );
}

/** Runs one start-up step; a ConfigError becomes one JSON line on stderr and exit 2. */
function startOrExit<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;

    const stderr = pino.destination({ dest: 2, sync: true });
    const logger = createLogger({ service: 'web', version, level: 'info', destination: stderr });
    logger.fatal({ variable: error.variable }, `invalid configuration: ${error.message}`);
    process.exit(EXIT_CONFIG);
  }
}
