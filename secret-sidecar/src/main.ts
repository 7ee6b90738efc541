import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';

import { ConfigError, createLogger } from '@sidecar-pod/common';
import type { Logger } from 'pino';

import { describeConfig, loadConfig, type SidecarConfig } from './config.js';
import { createHealthServer } from './health-server.js';
import { helpText } from './help.js';
import { createMetricsServer } from './metrics-server.js';
import { redisLaunch } from './redis-launch.js';
import { Supervisor } from './supervisor.js';

const SERVICE = 'secret-sidecar';

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

function loadConfigOrExit(version: string): SidecarConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger({ service: SERVICE, version, level: 'info' }).fatal(
      { variable: error.variable },
      error.message,
    );
    process.exit(2);
  }
}

async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function main(): Promise<void> {
  if (process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')) {
    process.stdout.write(helpText());
    return;
  }

  const version = readVersion();
  const config = loadConfigOrExit(version);
  const logger: Logger = createLogger({
    service: SERVICE,
    version,
    level: config.logLevel,
    podName: config.podName,
  });
  logger.info({ config: describeConfig(config) }, 'starting');

  let stopping: Promise<void> | undefined;
  const shutdown = (signal: NodeJS.Signals, failure?: Error): Promise<void> => {
    stopping ??= (async () => {
      if (failure) logger.fatal(failure.message);
      else logger.info({ signal }, 'stopping');
      const code = await supervisor.stop(signal);
      health.close();
      metrics.close();
      process.exit(failure ? 1 : code);
    })();
    return stopping;
  };

  const supervisor = new Supervisor({
    config,
    launch: redisLaunch(config.redisServer),
    logger,
    onFatal: (error) => void shutdown('SIGTERM', error),
  });
  const health = createHealthServer(() => supervisor.health());
  const metrics = createMetricsServer(supervisor.metrics.registry);
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    await listen(health, config.healthPort, config.healthHost);
    await listen(metrics, config.metricsPort, config.metricsHost);
  } catch (error) {
    const server = health.listening ? 'metrics server' : 'health server';
    await shutdown('SIGTERM', new Error(`${server}: ${(error as Error).message}`));
  }
  logger.info(
    {
      health: `${config.healthHost}:${config.healthPort}`,
      metrics: `${config.metricsHost}:${config.metricsPort}`,
    },
    'health and metrics endpoints listening',
  );

  try {
    await supervisor.start();
  } catch (error) {
    if (supervisor.isStopping) return;
    await shutdown('SIGTERM', error as Error);
  }
}

void main();
