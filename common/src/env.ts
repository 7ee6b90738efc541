import { ConfigError } from './config-error.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** The variable's value, or the fallback when it is unset or empty. */
export function readString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function readOptionalString(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function readRequiredString(env: Env, name: string, hint: string): string {
  const value = readOptionalString(env, name);
  if (value === undefined) throw new ConfigError(name, `is required (${hint})`);
  return value;
}

export function readInteger(
  env: Env,
  name: string,
  fallback: number,
  range: { min: number; max: number },
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;

  const value = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new ConfigError(
      name,
      `expected a whole number from ${range.min} to ${range.max}, got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

export function readPort(env: Env, name: string, fallback: number): number {
  return readInteger(env, name, fallback, { min: 1, max: 65535 });
}

export function readChoice<T extends string>(
  env: Env,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = readString(env, name, fallback);
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(
      name,
      `expected one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  }
  return raw as T;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function readLogLevel(env: Env): LogLevel {
  return readChoice(env, 'LOG_LEVEL', LOG_LEVELS, 'info');
}
