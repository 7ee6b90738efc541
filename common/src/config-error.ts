/**
 * A configuration value that cannot be used. The message names the variable and,
 * unless the variable holds a secret, the value that was wrong.
 */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}
