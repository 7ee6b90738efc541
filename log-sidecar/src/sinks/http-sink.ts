import type { Logger } from 'pino';

import { backoffDelay, retryAfterMs, sleep } from '../backoff.js';
import type { Batch } from '../batch.js';
import type { HttpSinkConfig, OutputFormat } from '../config.js';
import type { ShipperStats } from '../stats.js';
import { SinkAbortedError, type DeliveryResult, type Sink } from './sink.js';

/** Log every failed attempt at warn for the first ones, then only every this many. */
const WARN_EVERY_ATTEMPTS = 5;

/**
 * POSTs each batch to SINK_URL, one request at a time so batches arrive in order. Connection
 * errors, timeouts, 429 and 5xx are retried with backoff for as long as it takes (reading
 * stops meanwhile, so nothing piles up in memory). Any other status means the receiver will
 * never take this batch: it is dropped, counted and logged at error, and shipping goes on.
 */
export class HttpSink implements Sink {
  private inFlight: Promise<unknown> = Promise.resolve();
  private readonly abortController = new AbortController();
  private readonly target: URL;
  private readonly headers: Record<string, string>;

  constructor(
    private readonly config: HttpSinkConfig,
    format: OutputFormat,
    private readonly stats: ShipperStats,
    private readonly logger: Logger,
  ) {
    // fetch() refuses URLs with credentials; they travel as a Basic Authorization header.
    this.target = new URL(config.url);
    this.headers = {
      'content-type': format === 'json' ? 'application/x-ndjson' : 'text/plain; charset=utf-8',
    };
    if (this.target.username !== '' || this.target.password !== '') {
      const user = decodeURIComponent(this.target.username);
      const password = decodeURIComponent(this.target.password);
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      this.target.username = '';
      this.target.password = '';
    }
  }

  /** The URL without credentials or query, for logs. */
  get displayUrl(): string {
    return `${this.target.origin}${this.target.pathname}`;
  }

  async ready(): Promise<void> {
    await this.inFlight.catch(() => undefined);
  }

  send(batch: Batch): Promise<DeliveryResult> {
    const delivery = this.deliver(batch);
    this.inFlight = delivery;
    return delivery;
  }

  abort(): void {
    this.abortController.abort();
  }

  private async deliver(batch: Batch): Promise<DeliveryResult> {
    if (batch.records === 0) return 'delivered';
    const body = batch.toBuffer();

    for (let attempt = 1; ; attempt++) {
      if (this.abortController.signal.aborted) throw new SinkAbortedError(batch.records);

      const outcome = await this.post(body);
      if (outcome.kind === 'ok') {
        if (attempt > 1) {
          this.logger.info(
            { attempts: attempt, records: batch.records },
            'sink accepted the batch',
          );
        }
        return 'delivered';
      }
      if (outcome.kind === 'refused') return this.drop(batch, outcome.status);

      const delay = Math.max(
        backoffDelay(attempt, this.config.retryBaseMs, this.config.retryMaxMs),
        Math.min(outcome.retryAfterMs ?? 0, this.config.retryMaxMs),
      );
      this.stats.deliveryRetries++;
      const level = attempt === 1 || attempt % WARN_EVERY_ATTEMPTS === 0 ? 'warn' : 'debug';
      this.logger[level](
        {
          url: this.displayUrl,
          attempt,
          status: outcome.status,
          error: outcome.error,
          records: batch.records,
          retryInMs: delay,
        },
        'sink did not accept the batch; retrying',
      );
      await sleep(delay, this.abortController.signal);
    }
  }

  private async post(body: Buffer): Promise<PostOutcome> {
    const signal = AbortSignal.any([
      AbortSignal.timeout(this.config.timeoutMs),
      this.abortController.signal,
    ]);

    try {
      const response = await fetch(this.target, {
        method: 'POST',
        headers: this.headers,
        body,
        signal,
      });
      await response.arrayBuffer();

      if (response.ok) return { kind: 'ok' };
      if (response.status === 429 || response.status >= 500) {
        const retryAfter = retryAfterMs(response.headers.get('retry-after'));
        return { kind: 'retry', status: response.status, retryAfterMs: retryAfter };
      }
      return { kind: 'refused', status: response.status };
    } catch (error) {
      return { kind: 'retry', error: describe(error) };
    }
  }

  private drop(batch: Batch, status: number): DeliveryResult {
    this.stats.batchesDropped++;
    this.stats.recordsDropped += batch.records;
    this.logger.error(
      {
        url: this.displayUrl,
        status,
        records: batch.records,
        droppedBatches: this.stats.batchesDropped,
      },
      'sink refused the batch; it is dropped and shipping goes on',
    );
    return 'dropped';
  }
}

type PostOutcome =
  | { kind: 'ok' }
  | { kind: 'refused'; status: number }
  | { kind: 'retry'; status?: number; error?: string; retryAfterMs?: number | undefined };

/** fetch() wraps the socket error in `cause`; that is the useful part (ECONNRESET, ...). */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${error.message}: ${code}` : `${error.message}: ${cause.message}`;
  }
  return error.name === 'TimeoutError' ? 'request timed out' : error.message;
}
