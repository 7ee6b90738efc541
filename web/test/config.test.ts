import { ConfigError } from '@sidecar-pod/common';
import { describe, expect, it } from 'vitest';

import { loadConfig } from '../src/config.js';
import { redactUrl } from '../src/redis-url.js';

describe('loadConfig', () => {
  it('should resolve every setting to its documented default', () => {
    expect(loadConfig({})).toEqual({
      host: '0.0.0.0',
      port: 8080,
      metricsHost: '127.0.0.1',
      metricsPort: 9101,
      redis: {
        host: '127.0.0.1',
        port: 6379,
        db: 0,
        username: undefined,
        password: undefined,
        displayUrl: 'redis://127.0.0.1:6379',
        commandTimeoutMs: 1000,
      },
      secretKey: 'secret',
      secretCache: true,
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
      logFile: undefined,
      logFileMaxBytes: 50 * 1024 * 1024,
      podName: undefined,
    });
  });

  it('should read every variable it knows', () => {
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '9090',
      METRICS_HOST: '0.0.0.0',
      METRICS_PORT: '9191',
      REDIS_URL: 'redis://redis.local:6380/2',
      REDIS_USERNAME: 'web',
      REDIS_PASSWORD: 'pw',
      SECRET_KEY: 'api-token',
      REDIS_COMMAND_TIMEOUT_MS: '250',
      SHUTDOWN_TIMEOUT_MS: '0',
      LOG_LEVEL: 'debug',
      LOG_FILE: '/var/log/app/web.log',
      LOG_FILE_MAX_BYTES: '1048576',
      SECRET_CACHE: 'off',
      POD_NAME: 'demo-7d9',
    });

    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 9090,
      metricsHost: '0.0.0.0',
      metricsPort: 9191,
      redis: { host: 'redis.local', port: 6380, db: 2, username: 'web', password: 'pw' },
      secretKey: 'api-token',
      secretCache: false,
      shutdownTimeoutMs: 0,
      logLevel: 'debug',
      logFile: '/var/log/app/web.log',
      logFileMaxBytes: 1048576,
      podName: 'demo-7d9',
    });
    expect(config.redis.commandTimeoutMs).toBe(250);
  });

  it.each([
    ['redis://h', { host: 'h', port: 6379, db: 0, username: undefined, password: undefined }],
    ['redis://:p%40ss@h:7000', { host: 'h', port: 7000, username: undefined, password: 'p@ss' }],
    ['redis://web:pw@h/3', { host: 'h', db: 3, username: 'web', password: 'pw' }],
    ['redis://[::1]:6390', { host: '::1', port: 6390 }],
  ])('should parse REDIS_URL=%s', (url, expected) => {
    expect(loadConfig({ REDIS_URL: url }).redis).toMatchObject(expected);
  });

  it('should let REDIS_USERNAME and REDIS_PASSWORD override the credentials in REDIS_URL', () => {
    const redis = loadConfig({
      REDIS_URL: 'redis://a:b@h',
      REDIS_USERNAME: 'web',
      REDIS_PASSWORD: 'pw',
    }).redis;

    expect(redis).toMatchObject({ username: 'web', password: 'pw' });
  });

  it.each([
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['PORT=0', { PORT: '0' }, 'PORT'],
    ['PORT=65536', { PORT: '65536' }, 'PORT'],
    ['METRICS_PORT=abc', { METRICS_PORT: 'abc' }, 'METRICS_PORT'],
    ['METRICS_PORT=0', { METRICS_PORT: '0' }, 'METRICS_PORT'],
    ['METRICS_PORT=PORT', { PORT: '9000', METRICS_PORT: '9000' }, 'METRICS_PORT'],
    ['REDIS_URL=not a url', { REDIS_URL: 'not a url' }, 'REDIS_URL'],
    ['REDIS_URL=http://h', { REDIS_URL: 'http://h' }, 'REDIS_URL'],
    ['REDIS_URL=rediss://h', { REDIS_URL: 'rediss://h' }, 'REDIS_URL'],
    ['REDIS_URL=redis://h/x', { REDIS_URL: 'redis://h/x' }, 'REDIS_URL'],
    ['REDIS_URL=redis://h?db=1', { REDIS_URL: 'redis://h?db=1' }, 'REDIS_URL'],
    ['REDIS_URL=redis://h:99999', { REDIS_URL: 'redis://h:99999' }, 'REDIS_URL'],
    ['REDIS_URL=redis://u%zz:p@h', { REDIS_URL: 'redis://u%zz:p@h' }, 'REDIS_URL'],
    ['REDIS_COMMAND_TIMEOUT_MS=0', { REDIS_COMMAND_TIMEOUT_MS: '0' }, 'REDIS_COMMAND_TIMEOUT_MS'],
    ['REDIS_COMMAND_TIMEOUT_MS=1s', { REDIS_COMMAND_TIMEOUT_MS: '1s' }, 'REDIS_COMMAND_TIMEOUT_MS'],
    ['SHUTDOWN_TIMEOUT_MS=-1', { SHUTDOWN_TIMEOUT_MS: '-1' }, 'SHUTDOWN_TIMEOUT_MS'],
    ['SECRET_CACHE=yes', { SECRET_CACHE: 'yes' }, 'SECRET_CACHE'],
    ['LOG_LEVEL=verbose', { LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
  ])('should reject %s naming the variable', (_name, env, variable) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(`${variable}: `);
  });

  it.each([
    ['redis://:hunter2@', 'hunter2'],
    ['redis://web:hunter2@h:1/x', 'hunter2'],
    ['http://web:hunter2@h', 'hunter2'],
    ['redis://web:pa@ss/word@h/x', 'ss/word'],
    ['redis://web:pa/ss@h:port', 'pa/ss'],
  ])('should not repeat the password of the invalid REDIS_URL=%s', (url, password) => {
    expect(() => loadConfig({ REDIS_URL: url })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_URL: url })).not.toThrow(password);
  });
});

describe('redactUrl', () => {
  it.each([
    ['redis://127.0.0.1:6379', 'redis://127.0.0.1:6379'],
    ['redis://:pw@h:1', 'redis://:***@h:1'],
    ['redis://web:pw@h:1/0', 'redis://web:***@h:1/0'],
    ['redis://web:p@w@h', 'redis://web:***@h'],
    ['redis://web@h', 'redis://web@h'],
  ])('should show %s as %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });
});
