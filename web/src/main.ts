import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';

import { ConfigError, createLogger, metricsListener } from '@sidecar-pod/common';
import { pino } from 'pino';

import { createWebHandler } from './app.js';
import { clientErrorHandler } from './client-error.js';
import { configSummary } from './config-summary.js';
import { loadConfig, type WebConfig } from './config.js';
import { helpText } from './help.js';
import { openLogs, type WebLogs } from './logger.js';
import { drain, listen } from './server.js';
import { createServices } from './services.js';

/** Exit status for a configuration that cannot start (the runner and tests rely on it). */
const EXIT_CONFIG = 2;

/** The metrics server gets a short drain of its own: a scrape takes milliseconds. */
const METRICS_DRAIN_MS = 1000;

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(helpText());
  process.exit(0);
}

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
  const app = createWebHandler({ ...services, logger });
  let server: Server | undefined;
  let metricsServer: Server | undefined;

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
    // Scrapes keep working while requests drain; the metrics server closes after them.
    if (metricsServer) await drain(metricsServer, METRICS_DRAIN_MS);
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
  });

  // An address that is taken, absent from this host or not a name at all: the variables
  // to look at, and the system's reason, rather than a stack trace.
  const cannotListen = async (
    variables: string,
    host: string,
    port: number,
    error: unknown,
  ): Promise<never> => {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    logger.fatal({ variables, host, port, reason }, 'cannot listen; exiting');
    metricsServer?.close();
    services.close();
    await logs.close();
    return process.exit(1);
  };
  const { metricsHost, metricsPort } = config;
  metricsServer = await listen(
    metricsListener(services.metrics.registry),
    metricsHost,
    metricsPort,
  ).catch((error: unknown) =>
    cannotListen('METRICS_HOST, METRICS_PORT', metricsHost, metricsPort, error),
  );
  const onClientError = clientErrorHandler(logger, services.metrics);
  server = await listen(app, config.host, config.port, onClientError).catch((error: unknown) =>
    cannotListen('HOST, PORT', config.host, config.port, error),
  );
  logger.info(configSummary(config), 'web listening');
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
