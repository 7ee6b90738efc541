import { describe, expect, it } from 'vitest';

import {
  ConfigError,
  readChoice,
  readInteger,
  readPort,
  readRequiredString,
} from '../src/index.js';

describe('environment readers', () => {
  it('should use the fallback when a variable is unset or empty', () => {
    expect(readPort({}, 'PORT', 8080)).toBe(8080);
    expect(readPort({ PORT: '' }, 'PORT', 8080)).toBe(8080);
  });

  it.each(['abc', '80x', '1.5', '0', '70000', '-1'])(
    'should reject PORT=%s with a message naming the variable and value',
    (raw) => {
      expect(() => readPort({ PORT: raw }, 'PORT', 8080)).toThrow(ConfigError);
      expect(() => readPort({ PORT: raw }, 'PORT', 8080)).toThrow(`PORT: expected a whole number`);
      expect(() => readPort({ PORT: raw }, 'PORT', 8080)).toThrow(JSON.stringify(raw));
    },
  );

  it('should read a whole number within its range', () => {
    expect(readInteger({ N: ' 42 ' }, 'N', 1, { min: 1, max: 100 })).toBe(42);
  });

  it('should name the allowed choices when a value is not one of them', () => {
    expect(() => readChoice({ SINK: 'kafka' }, 'SINK', ['stdout', 'http'], 'stdout')).toThrow(
      'SINK: expected one of stdout, http, got "kafka"',
    );
  });

  it('should say why a required variable is needed', () => {
    expect(() => readRequiredString({}, 'SECRET_DIR', 'the mounted Secret')).toThrow(
      'SECRET_DIR: is required (the mounted Secret)',
    );
  });
});
