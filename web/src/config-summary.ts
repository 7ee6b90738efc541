import type { WebConfig } from './config.js';

/**
 * The resolved configuration as the start-up line shows it: every setting, with the
 * Redis password as "***". Listed field by field rather than spread from the config,
 * so that a setting added later is not logged before someone decides it may be.
 */
export function configSummary(config: WebConfig): Record<string, unknown> {
  const { redis } = config;
  return {
    host: config.host,
    port: config.port,
    metricsHost: config.metricsHost,
    metricsPort: config.metricsPort,
    redis: redis.displayUrl,
    redisUser: redis.username ?? 'default',
    redisPassword: redis.password === undefined ? null : '***',
    commandTimeoutMs: redis.commandTimeoutMs,
    key: config.secretKey,
    cache: config.secretCache ? 'on' : 'off',
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    logLevel: config.logLevel,
    logFile: config.logFile ?? null,
    logFileMaxBytes: config.logFileMaxBytes,
    podName: config.podName ?? null,
  };
}
