export { ConfigError } from './config-error.js';
export {
  readChoice,
  readInteger,
  readLogLevel,
  readOptionalString,
  readPort,
  readRequiredString,
  readString,
  type Env,
  type LogLevel,
} from './env.js';
export { createLogger, type LoggerOptions } from './logger.js';
export { dieWithParent, type GuardedCommand } from './parent-death.js';
export { metricsListener, type MetricsSource } from './metrics-listener.js';
