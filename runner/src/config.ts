import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { readOptionalString, readPort, readString, type Env } from '@sidecar-pod/common';

import { repoRoot } from './paths.js';

export interface RunnerConfig {
  /** web's port on 127.0.0.1: the one address a user curls. */
  webPort: number;
  /** Internal ports; unset means a free port is chosen at start. */
  redisPort: number | undefined;
  secretHealthPort: number | undefined;
  logHealthPort: number | undefined;
  secretDir: string;
  runDir: string;
  redisServer: string;
  /** Colour when writing to a terminal, unless NO_COLOR is set. */
  colour: boolean;
}

export function loadConfig(env: Env, isTerminal: boolean): RunnerConfig {
  const runDir = readString(env, 'RUN_DIR', join(repoRoot, '.run'));

  return {
    webPort: readPort(env, 'PORT', 8080),
    redisPort: readOptionalPort(env, 'REDIS_PORT'),
    secretHealthPort: readOptionalPort(env, 'SECRET_HEALTH_PORT'),
    logHealthPort: readOptionalPort(env, 'LOG_HEALTH_PORT'),
    secretDir: readString(env, 'SECRET_DIR', join(repoRoot, 'secret-sidecar', 'sample-secret')),
    runDir,
    redisServer: readString(env, 'REDIS_SERVER', 'redis-server'),
    colour: isTerminal && readOptionalString(env, 'NO_COLOR') === undefined,
  };
}

function readOptionalPort(env: Env, name: string): number | undefined {
  return readOptionalString(env, name) === undefined ? undefined : readPort(env, name, 0);
}

/**
 * web's Redis password for this run. In the pod it comes from its own Secret;
 * here it lives only in the memory of the runner and its two children.
 */
export function generateWebRedisPassword(): string {
  return randomBytes(24).toString('base64url');
}
