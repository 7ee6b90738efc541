import {
  ConfigError,
  readChoice,
  readInteger,
  readLogLevel,
  readOptionalString,
  readPort,
  readString,
  type Env,
  type LogLevel,
} from '@sidecar-pod/common';

import { parseRedisUrl, redactUrl, type RedisAddress } from './redis-url.js';

export interface RedisConfig extends RedisAddress {
  /** REDIS_URL with any password redacted, for start-up logs. */
  displayUrl: string;
  commandTimeoutMs: number;
}

export interface WebConfig {
  host: string;
  port: number;
  /** Where GET /metrics listens: the pod's loopback unless opened on purpose. */
  metricsHost: string;
  metricsPort: number;
  redis: RedisConfig;
  secretKey: string;
  secretCache: boolean;
  shutdownTimeoutMs: number;
  logLevel: LogLevel;
  logFile: string | undefined;
  logFileMaxBytes: number;
  podName: string | undefined;
}

/** Reads web's environment once into a fully resolved config; throws ConfigError. */
export function loadConfig(env: Env): WebConfig {
  const url = readString(env, 'REDIS_URL', 'redis://127.0.0.1:6379');
  const address = parseRedisUrl(url);
  const port = readPort(env, 'PORT', 8080);
  const metricsPort = readPort(env, 'METRICS_PORT', 9101);
  if (metricsPort === port) {
    throw new ConfigError('METRICS_PORT', `must differ from PORT, both are ${port}`);
  }

  return {
    host: readString(env, 'HOST', '0.0.0.0'),
    port,
    metricsHost: readString(env, 'METRICS_HOST', '127.0.0.1'),
    metricsPort,
    redis: {
      ...address,
      // REDIS_USERNAME and REDIS_PASSWORD win over credentials inside the URL.
      username: readOptionalString(env, 'REDIS_USERNAME') ?? address.username,
      password: readOptionalString(env, 'REDIS_PASSWORD') ?? address.password,
      displayUrl: redactUrl(url),
      commandTimeoutMs: readInteger(env, 'REDIS_COMMAND_TIMEOUT_MS', 1000, { min: 1, max: 60_000 }),
    },
    secretKey: readString(env, 'SECRET_KEY', 'secret'),
    secretCache: readChoice(env, 'SECRET_CACHE', ['on', 'off'], 'on') === 'on',
    shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, { min: 0, max: 600_000 }),
    logLevel: readLogLevel(env),
    logFile: readOptionalString(env, 'LOG_FILE'),
    logFileMaxBytes: readInteger(env, 'LOG_FILE_MAX_BYTES', 50 * 1024 * 1024, {
      min: 0,
      max: Number.MAX_SAFE_INTEGER,
    }),
    podName: readOptionalString(env, 'POD_NAME'),
  };
}
