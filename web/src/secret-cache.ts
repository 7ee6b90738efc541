import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

import { isAuthFailure, type ConnectionWatch } from './connection-watch.js';
import type { WebMetrics } from './metrics.js';

/** Redis publishes every change of `key` in db `db` on this channel. */
export function keyspaceChannel(db: number, key: string): string {
  return `__keyspace@${db}__:${key}`;
}

/**
 * The secret's value in memory, valid only while a keyspace subscription for its
 * key is confirmed live. Every notification for the key drops the value and bumps
 * a generation counter; a read that started in an older generation is not stored,
 * so a GET answered before a change but delivered after its notification cannot
 * put the old value back. While the subscriber is down nothing is cached and every
 * request reads Redis.
 *
 * Known shortcoming: if Redis runs without `notify-keyspace-events` (the sidecar
 * enables it), the subscription succeeds but no notification ever arrives, and a
 * changed value stays cached until the subscriber reconnects; web's ACL allows no
 * command that could check the setting.
 */
export class SecretCache {
  #value: string | undefined;
  #generation = 0;
  #live = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
    /** The subscriber's own watch, which logs its outages. */
    private readonly watch: ConnectionWatch,
    private readonly metrics: WebMetrics,
  ) {
    metrics.cacheLive(false);
    subscriber.on('ready', () => this.#subscribe());
    subscriber.on('close', () => this.#goDark());
    subscriber.on('message', (channel: string) => {
      if (channel !== this.channel) return;

      metrics.cacheInvalidated();
      this.#invalidate();
    });
  }

  /** The cached value, or undefined when the caller must read Redis. */
  get value(): string | undefined {
    return this.#value;
  }

  get generation(): number {
    return this.#generation;
  }

  get live(): boolean {
    return this.#live;
  }

  /** Keeps `value` if nothing changed since `generation` was read and the feed is live. */
  store(value: string, generation: number): void {
    if (this.#live && generation === this.#generation) this.#value = value;
  }

  #subscribe(): void {
    this.subscriber.subscribe(this.channel).then(
      () => {
        // The connection may have dropped between sending SUBSCRIBE and its reply.
        if (this.subscriber.status !== 'ready') return;

        this.#live = true;
        this.metrics.cacheLive(true);
        this.#invalidate();
        this.logger.info(
          { channel: this.channel },
          'secret cache live: keyspace subscription confirmed',
        );
      },
      (error: Error) => {
        if (isAuthFailure(error)) {
          this.watch.markDown(error);
          return;
        }
        this.logger.warn(
          { channel: this.channel, reason: error.message },
          'keyspace subscription refused; requests read Redis until the subscriber reconnects',
        );
      },
    );
  }

  #goDark(): void {
    this.#live = false;
    this.metrics.cacheLive(false);
    this.#invalidate();
  }

  #invalidate(): void {
    this.#value = undefined;
    this.#generation += 1;
  }
}
