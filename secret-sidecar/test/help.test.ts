import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { loadConfig, type SidecarConfig } from '../src/config.js';
import { VARIABLES } from '../src/help.js';
import { MAIN } from './support/sidecar.js';

// The config field each variable fills, to compare the defaults --help prints with the
// ones loadConfig applies.
const FIELDS: Record<string, keyof SidecarConfig> = {
  REDIS_SERVER: 'redisServer',
  REDIS_BIND: 'redisBind',
  REDIS_PORT: 'redisPort',
  SECRET_DIR: 'secretDir',
  WEB_REDIS_USER: 'webUser',
  WEB_REDIS_KEYS: 'webKeys',
  SECRET_POLL_INTERVAL_MS: 'pollIntervalMs',
  HEALTH_HOST: 'healthHost',
  HEALTH_PORT: 'healthPort',
  METRICS_HOST: 'metricsHost',
  METRICS_PORT: 'metricsPort',
  LOG_LEVEL: 'logLevel',
};

/** Variable names that config.ts passes to the shared readers. */
function variablesReadByConfig(): string[] {
  const source = readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'config.ts'),
    'utf8',
  );
  const names = [...source.matchAll(/\bread\w*\(\s*env,\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!);
  // readLogLevel(env) reads LOG_LEVEL without naming it.
  return [...new Set([...names, 'LOG_LEVEL'])].sort();
}

describe('secret-sidecar --help', () => {
  it('should print the help on stdout, exit 0 and start nothing, even with no config', () => {
    const result = spawnSync(process.execPath, [MAIN, '--help'], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 5000,
    });

    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Usage: node secret-sidecar/dist/main.js');
    expect(result.stdout).toContain('Example');
    expect(result.stdout).not.toContain('"level"');
    for (const variable of VARIABLES) {
      expect(result.stdout).toMatch(
        new RegExp(`^  ${variable.name} +${escape(variable.meaning)}`, 'm'),
      );
    }
  });

  it('should list every variable that the configuration reads, and no other', () => {
    const listed = VARIABLES.map((variable) => variable.name).sort();

    expect(listed).toEqual(variablesReadByConfig());
  });

  it.each(Object.entries(FIELDS))('should print the default that applies to %s', (name, field) => {
    const variable = VARIABLES.find((candidate) => candidate.name === name);
    const value = loadConfig({ WEB_REDIS_PASSWORD: 'pw' })[field];

    expect(variable?.fallback).toBe(Array.isArray(value) ? value.join(',') : String(value));
  });

  it('should call WEB_REDIS_PASSWORD required and POD_NAME unset by default', () => {
    const fallback = (name: string) => VARIABLES.find((v) => v.name === name)?.fallback;

    expect(fallback('WEB_REDIS_PASSWORD')).toBeUndefined();
    expect(() => loadConfig({})).toThrow('WEB_REDIS_PASSWORD');
    expect(fallback('POD_NAME')).toBe('unset');
    expect(loadConfig({ WEB_REDIS_PASSWORD: 'pw' }).podName).toBeUndefined();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
