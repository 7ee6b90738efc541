import {
  ConfigError,
  readInteger,
  readLogLevel,
  readOptionalString,
  readPort,
  readRequiredString,
  readString,
  type Env,
  type LogLevel,
} from '@sidecar-pod/common';

/** The supervisor's settings, resolved once from the environment. */
export interface SidecarConfig {
  redisServer: string;
  redisBind: string;
  redisPort: number;
  secretDir: string;
  webUser: string;
  /** Secret: never logged, never passed on to redis-server. */
  webPassword: string;
  webKeys: string[];
  pollIntervalMs: number;
  healthHost: string;
  healthPort: number;
  metricsHost: string;
  metricsPort: number;
  logLevel: LogLevel;
  podName: string | undefined;
}

/** The ACL user the supervisor itself seeds Redis with; web may not take its name. */
export const ADMIN_USER = 'secret-sidecar';

// ACL names and key patterns go into redis.conf lines that Redis splits like
// redis-cli does: whitespace and quotes would change the line's meaning.
const USER_NAME = /^[A-Za-z0-9_.-]+$/;
const KEY_PATTERN = /^[\x21-\x7e]+$/;
const QUOTES = /["']/;
const BIND = /^-?[0-9A-Za-z.:*%]+$/;

export function loadConfig(env: Env): SidecarConfig {
  const config: SidecarConfig = {
    redisServer: readString(env, 'REDIS_SERVER', 'redis-server'),
    redisBind: readBind(env),
    redisPort: readPort(env, 'REDIS_PORT', 6379),
    secretDir: readString(env, 'SECRET_DIR', '/etc/secret-sidecar/secret'),
    webUser: readWebUser(env),
    webPassword: readRequiredString(env, 'WEB_REDIS_PASSWORD', "the password of web's Redis user"),
    webKeys: readWebKeys(env),
    pollIntervalMs: readInteger(env, 'SECRET_POLL_INTERVAL_MS', 1000, { min: 50, max: 3_600_000 }),
    healthHost: readString(env, 'HEALTH_HOST', '0.0.0.0'),
    healthPort: readPort(env, 'HEALTH_PORT', 8081),
    // Loopback by default: the pod's containers can scrape it; in Kubernetes the
    // manifest opens it to the pod IP so that Prometheus can.
    metricsHost: readString(env, 'METRICS_HOST', '127.0.0.1'),
    metricsPort: readPort(env, 'METRICS_PORT', 9102),
    logLevel: readLogLevel(env),
    podName: readOptionalString(env, 'POD_NAME'),
  };
  checkDistinctPorts(config);
  return config;
}

/** The fields of the config that a start-up log line may show: everything but the password. */
export function describeConfig(config: SidecarConfig): Record<string, unknown> {
  const { webPassword: _secret, ...shown } = config;
  return { ...shown, webPassword: '***' };
}

/**
 * Redis, the health server and the metrics server share the network namespace (the
 * pod's): two of them on one port would fail at start with EADDRINUSE, later and less
 * clearly than here. A wildcard address overlaps every other, so hosts are not compared.
 */
function checkDistinctPorts(config: SidecarConfig): void {
  const ports: Array<[string, number]> = [
    ['REDIS_PORT', config.redisPort],
    ['HEALTH_PORT', config.healthPort],
    ['METRICS_PORT', config.metricsPort],
  ];
  for (const [index, [variable, port]] of ports.entries()) {
    const clash = ports.slice(0, index).find(([, other]) => other === port);
    if (clash) {
      throw new ConfigError(variable, `${port} is already ${clash[0]}; each needs its own port`);
    }
  }
}

/** Redis's `bind`: one or more addresses separated by spaces, `-` marking an optional one. */
function readBind(env: Env): string {
  const bind = readString(env, 'REDIS_BIND', '127.0.0.1').trim();
  if (!bind.split(/\s+/).every((address) => BIND.test(address))) {
    throw new ConfigError(
      'REDIS_BIND',
      `expected addresses separated by spaces, got ${JSON.stringify(bind)}`,
    );
  }
  return bind;
}

function readWebUser(env: Env): string {
  const user = readString(env, 'WEB_REDIS_USER', 'web');

  if (!USER_NAME.test(user)) {
    throw new ConfigError(
      'WEB_REDIS_USER',
      `expected letters, digits, '_', '.' or '-', got ${JSON.stringify(user)}`,
    );
  }
  if (user === 'default' || user === ADMIN_USER) {
    throw new ConfigError('WEB_REDIS_USER', `${JSON.stringify(user)} is reserved`);
  }
  return user;
}

function readWebKeys(env: Env): string[] {
  const raw = readString(env, 'WEB_REDIS_KEYS', 'secret');
  const keys = raw
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key !== '');

  const bad = keys.find((key) => !KEY_PATTERN.test(key) || QUOTES.test(key));
  if (keys.length === 0 || bad !== undefined) {
    throw new ConfigError(
      'WEB_REDIS_KEYS',
      `expected a comma list of key patterns without spaces or quotes, got ${JSON.stringify(raw)}`,
    );
  }
  return keys;
}
