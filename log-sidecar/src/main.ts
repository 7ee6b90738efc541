import { readFileSync } from 'node:fs';

import { ConfigError, createLogger } from '@sidecar-pod/common';
import { pino, type Logger } from 'pino';

import { CheckpointStore } from './checkpoint-store.js';
import { describeConfig, loadConfig, type LogSidecarConfig } from './config.js';
import { startHealthServer } from './health-server.js';
import { helpText } from './help.js';
import type { ListeningServer } from './listening-server.js';
import { Shipper } from './shipper.js';
import { HttpSink } from './sinks/http-sink.js';
import type { Sink } from './sinks/sink.js';
import { StdoutSink } from './sinks/stdout-sink.js';
import { newShipperStats, type ShipperStats } from './stats.js';

const packageJson = new URL('../package.json', import.meta.url);
const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };

/** Starts a server or exits 1 with one fatal line naming the variables (EADDRINUSE, EACCES). */
async function serve<T>(
  logger: Logger,
  what: { host: string; port: number; variables: string },
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    logger.fatal(
      { err: error, host: what.host, port: what.port },
      `cannot listen on ${what.variables}`,
    );
    process.exit(1);
  }
}

function readConfig(): LogSidecarConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`log-sidecar: invalid configuration: ${error.message}\n`);
    process.exit(2);
  }
}

function createSink(config: LogSidecarConfig, stats: ShipperStats, logger: Logger): Sink {
  if (config.sink === 'http' && config.http) {
    return new HttpSink(config.http, config.outputFormat, stats, logger);
  }
  return new StdoutSink(process.stdout);
}

async function main(): Promise<void> {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(helpText());
    return;
  }
  const config = readConfig();
  // stdout carries the shipped lines, so the shipper's own log goes to stderr.
  const logger = createLogger({
    service: 'log-sidecar',
    version,
    level: config.logLevel,
    podName: config.podName,
    destination: pino.destination({ fd: 2, sync: true }),
  });

  const store = new CheckpointStore(config.stateDir);
  try {
    await store.prepare();
  } catch (error) {
    logger.fatal({ err: error }, 'cannot keep checkpoints; exiting');
    process.exit(1);
  }

  const stats = newShipperStats();
  const sink = createSink(config, stats, logger);
  const shipper = new Shipper({ config, logger, sink, store, stats });
  logger.info({ config: describeConfig(config) }, 'log-sidecar starting');

  // Installed before the servers start: a SIGTERM while they start (prom-client loads
  // slowly on a busy node) must end in an orderly stop, not the default kill.
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal; exiting without finishing');
      process.exit(1);
    }
    logger.info(
      { signal, timeoutMs: config.shutdownTimeoutMs },
      'shutting down: shipping the rest',
    );
    shipper.stop();
    // A sink that never recovers must not hold the pod: after the deadline undelivered lines
    // stay uncommitted and are shipped again after the next start.
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline passed');
      shipper.abort();
      setTimeout(() => process.exit(1), 1000).unref();
    }, config.shutdownTimeoutMs).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  // With ONCE nothing would probe or scrape a process that is about to exit.
  let health: ListeningServer | undefined;
  let metrics: ListeningServer | undefined;
  if (!config.once) {
    const { healthHost, healthPort, metricsHost, metricsPort } = config;
    health = await serve(
      logger,
      { host: healthHost, port: healthPort, variables: 'HEALTH_HOST:HEALTH_PORT' },
      () => startHealthServer(healthHost, healthPort, () => shipper.health()),
    );
    logger.info({ host: healthHost, port: health.port }, 'health endpoints listening');

    // Loaded only here: prom-client adds about 12 MiB of RSS, which ONCE runs need not pay.
    const { createShipperMetrics } = await import('./metrics.js');
    const { startMetricsServer } = await import('./metrics-server.js');
    const registry = createShipperMetrics(stats, shipper);
    metrics = await serve(
      logger,
      { host: metricsHost, port: metricsPort, variables: 'METRICS_HOST:METRICS_PORT' },
      () => startMetricsServer(registry, metricsHost, metricsPort),
    );
    logger.info({ host: metricsHost, port: metrics.port }, 'metrics endpoint listening');
  }

  let ok = false;
  try {
    ok = await shipper.run();
  } catch (error) {
    logger.fatal({ err: error }, 'shipper failed');
  }
  await health?.close();
  await metrics?.close();
  process.exit(ok ? 0 : 1);
}

void main();
