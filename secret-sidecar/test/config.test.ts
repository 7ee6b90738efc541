import { ConfigError } from '@sidecar-pod/common';
import { describe, expect, it } from 'vitest';

import { describeConfig, loadConfig } from '../src/config.js';

const REQUIRED = { WEB_REDIS_PASSWORD: 'pw' };

describe('loadConfig', () => {
  it('should fill in the documented defaults', () => {
    expect(loadConfig(REQUIRED)).toEqual({
      redisServer: 'redis-server',
      redisBind: '127.0.0.1',
      redisPort: 6379,
      secretDir: '/etc/secret-sidecar/secret',
      webUser: 'web',
      webPassword: 'pw',
      webKeys: ['secret'],
      pollIntervalMs: 1000,
      healthHost: '0.0.0.0',
      healthPort: 8081,
      metricsHost: '127.0.0.1',
      metricsPort: 9102,
      logLevel: 'info',
      podName: undefined,
    });
  });

  it('should split WEB_REDIS_KEYS on commas and drop empty items', () => {
    expect(loadConfig({ ...REQUIRED, WEB_REDIS_KEYS: ' secret, app:* ,,' }).webKeys).toEqual([
      'secret',
      'app:*',
    ]);
  });

  it.each([
    ['WEB_REDIS_PASSWORD', ''],
    ['WEB_REDIS_USER', 'default'],
    ['WEB_REDIS_USER', 'secret-sidecar'],
    ['WEB_REDIS_USER', 'we b'],
    ['WEB_REDIS_KEYS', 'a b'],
    ['WEB_REDIS_KEYS', `it's`],
    ['WEB_REDIS_KEYS', ','],
    ['REDIS_BIND', '127.0.0.1 "x"'],
    ['REDIS_PORT', '0'],
    ['SECRET_POLL_INTERVAL_MS', '10'],
    ['METRICS_PORT', 'x'],
    ['METRICS_PORT', '65536'],
    ['METRICS_PORT', '8081'],
    ['METRICS_PORT', '6379'],
    ['HEALTH_PORT', '6379'],
  ])('should refuse %s=%j with an error naming the variable', (variable, value) => {
    const load = () => loadConfig({ ...REQUIRED, [variable]: value });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(variable);
  });

  it('should show the configuration with the password replaced by ***', () => {
    const shown = describeConfig(loadConfig({ WEB_REDIS_PASSWORD: 'hunter2' }));

    expect(shown).toMatchObject({ webPassword: '***', metricsPort: 9102, webUser: 'web' });
    expect(JSON.stringify(shown)).not.toContain('hunter2');
  });

  it('should never put the password in an error message', () => {
    const load = () => loadConfig({ WEB_REDIS_PASSWORD: 'hunter2', WEB_REDIS_USER: 'x y' });
    expect(load).not.toThrow(/hunter2/);
  });
});
