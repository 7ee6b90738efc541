import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import type { ConnectionLabel, WebMetrics } from './metrics.js';

export type ConnectionState = 'connecting' | 'up' | 'unreachable' | 'auth failed';

export interface ConnectionWatchOptions {
  /** Which connection this is, as it appears in log lines. */
  name: string;
  /** The same, as the metrics' `connection` label. */
  label: ConnectionLabel;
  /** What users notice while this connection is down, for the warn line. */
  whileDown: string;
  username: string | undefined;
}

const AUTH_REPLY = /^(WRONGPASS|NOAUTH)\b/;

export function isAuthFailure(error: Error): boolean {
  return AUTH_REPLY.test(error.message);
}

/**
 * Follows one ioredis connection and logs its changes once each: loss at warn,
 * rejected credentials at error, recovery at info. ioredis emits 'error' on every
 * failed reconnect attempt; only a change of state makes a line, so an outage of
 * any length costs two or three lines, not one per retry. The metrics count
 * every error, and each recovery as a reconnect.
 */
export class ConnectionWatch {
  #state: ConnectionState = 'connecting';
  #downSince = 0;
  #closing = false;

  constructor(
    private readonly client: Redis,
    private readonly logger: Logger,
    private readonly options: ConnectionWatchOptions,
    private readonly metrics: WebMetrics,
  ) {
    metrics.connectionUp(options.label, false);
    client.on('ready', () => this.markUp());
    client.on('error', (error: Error) => {
      if (!this.#closing) {
        const reason = isAuthFailure(error) ? 'auth_failed' : 'unreachable';
        metrics.connectionError(options.label, reason);
      }
      this.markDown(error);
    });
    client.on('close', () => {
      if (this.#state === 'up') this.markDown(new Error('connection closed'));
    });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  markUp(): void {
    if (this.#state === 'up' || this.#closing) return;

    const first = this.#state === 'connecting';
    this.#state = 'up';
    this.metrics.connectionUp(this.options.label, true);
    const connection = this.options.name;
    if (first) {
      this.logger.info({ connection }, 'Redis connection ready');
      return;
    }
    this.metrics.reconnected(this.options.label);
    const downMs = Date.now() - this.#downSince;
    this.logger.info({ connection, downMs }, 'Redis connection restored');
  }

  /** Records a connection-level failure; a command's auth reply counts too. */
  markDown(error: Error): void {
    const next: ConnectionState = isAuthFailure(error) ? 'auth failed' : 'unreachable';
    if (this.#state === next || this.#closing) return;

    if (this.#state === 'up' || this.#state === 'connecting') this.#downSince = Date.now();
    this.#state = next;
    this.metrics.connectionUp(this.options.label, false);
    const fields = { connection: this.options.name, reason: describe(error) };

    if (next === 'auth failed') {
      this.logger.error(
        { ...fields, user: this.options.username ?? 'default' },
        `Redis rejected the credentials; ${this.options.whileDown}; retrying with backoff`,
      );
      return;
    }
    this.logger.warn(
      fields,
      `Redis unreachable; ${this.options.whileDown}; reconnecting with backoff`,
    );
  }

  /** Disconnects for good without reporting the close as an outage. */
  close(): void {
    this.#closing = true;
    this.client.disconnect();
  }
}

/** The error's code or Redis's reply: evidence without arguments, so no password. */
function describe(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : error.message;
}
