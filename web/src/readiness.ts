import type { Logger } from 'pino';

import { SecretUnavailableError, type UnavailableReason } from './http-errors.js';
import type { SecretSource } from './secret-source.js';

export type ReadinessResult = { ready: true } | { ready: false; reason: UnavailableReason };

/**
 * Ready means GET / can be answered now: Redis answers a GET for the key and the
 * key exists. Each probe asks Redis (not the cache), and a change of the outcome
 * is logged once.
 */
export class Readiness {
  #last: string | undefined;

  constructor(
    private readonly source: SecretSource,
    private readonly logger: Logger,
  ) {}

  async check(): Promise<ReadinessResult> {
    const result = await this.source.readRedis().then(
      (): ReadinessResult => ({ ready: true }),
      (error: unknown): ReadinessResult => {
        if (error instanceof SecretUnavailableError) return { ready: false, reason: error.reason };
        throw error;
      },
    );

    this.#logChange(result);
    return result;
  }

  #logChange(result: ReadinessResult): void {
    const summary = result.ready ? 'ready' : result.reason;
    if (summary === this.#last) return;

    this.#last = summary;
    if (result.ready) this.logger.info({ key: this.source.key }, 'ready: the secret can be served');
    else this.logger.info({ key: this.source.key, reason: result.reason }, 'not ready');
  }
}
