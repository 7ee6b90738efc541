import { Agent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { backoffDelay, retryAfterMs, sleep } from '../backoff.js';
import { SinkAbortedError } from './sink.js';
/** Log every failed attempt at warn for the first ones, then only every this many. */
const WARN_EVERY_ATTEMPTS = 5;
/**
 * POSTs each batch to SINK_URL, one request at a time so batches arrive in order. Connection
 * errors, timeouts, 429 and 5xx are retried with backoff for as long as it takes (reading
 * stops meanwhile, so nothing piles up in memory). Any other status means the receiver will
 * never take this batch: it is dropped, counted and logged at error, and shipping goes on.
 * Known shortcoming: no custom CA, client certificate, extra headers or compression.
 */
export class HttpSink {
    config;
    stats;
    logger;
    inFlight = Promise.resolve();
    abortController = new AbortController();
    /** One connection, kept alive between batches: batches are sent one at a time anyway. */
    agent;
    target;
    headers;
    constructor(config, format, stats, logger) {
        this.config = config;
        this.stats = stats;
        this.logger = logger;
        // Credentials in the URL travel as a Basic Authorization header, never in logs.
        this.target = new URL(config.url);
        const AgentClass = this.target.protocol === 'https:' ? HttpsAgent : Agent;
        this.agent = new AgentClass({ keepAlive: true, maxSockets: 1 });
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
    get displayUrl() {
        return `${this.target.origin}${this.target.pathname}`;
    }
    async ready() {
        await this.inFlight.catch(() => undefined);
    }
    send(batch) {
        const delivery = this.deliver(batch);
        this.inFlight = delivery;
        return delivery;
    }
    abort() {
        this.abortController.abort();
        this.agent.destroy();
    }
    async deliver(batch) {
        if (batch.records === 0)
            return 'delivered';
        for (let attempt = 1;; attempt++) {
            if (this.abortController.signal.aborted)
                throw new SinkAbortedError(batch.records);
            const outcome = await this.post(batch);
            if (outcome.kind === 'ok') {
                if (attempt > 1) {
                    this.logger.info({ attempts: attempt, records: batch.records }, 'sink accepted the batch');
                }
                return 'delivered';
            }
            if (outcome.kind === 'refused')
                return this.drop(batch, outcome.status);
            this.stats.sinkFailures[outcome.reason]++;
            const delay = Math.max(backoffDelay(attempt, this.config.retryBaseMs, this.config.retryMaxMs), Math.min(outcome.retryAfterMs ?? 0, this.config.retryMaxMs));
            this.stats.deliveryRetries++;
            const level = attempt === 1 || attempt % WARN_EVERY_ATTEMPTS === 0 ? 'warn' : 'debug';
            this.logger[level]({
                url: this.displayUrl,
                attempt,
                status: outcome.status,
                error: outcome.error,
                records: batch.records,
                retryInMs: delay,
            }, 'sink did not accept the batch; retrying');
            await sleep(delay, this.abortController.signal);
        }
    }
    /**
     * One POST of the batch. The parts are written as they are (no concatenated copy of the
     * body): they are pooled buffers that stay untouched until the batch is delivered, so a
     * retry writes the same bytes again.
     */
    post(batch) {
        return new Promise((resolve) => {
            let settled = false;
            let timedOut = false;
            const failed = (error) => settle({
                kind: 'retry',
                reason: timedOut ? 'timeout' : 'connection',
                error: describe(error),
            });
            const settle = (outcome) => {
                if (settled)
                    return;
                settled = true;
                clearTimeout(timer);
                this.abortController.signal.removeEventListener('abort', onAbort);
                resolve(outcome);
            };
            const send = this.target.protocol === 'https:' ? httpsRequest : httpRequest;
            const request = send(this.target, {
                method: 'POST',
                agent: this.agent,
                headers: { ...this.headers, 'content-length': String(bodyLength(batch)) },
            }, (response) => {
                response.resume();
                response.on('error', failed);
                response.on('end', () => settle(classify(response)));
            });
            request.on('error', failed);
            const timer = setTimeout(() => {
                timedOut = true;
                request.destroy(new Error(`no answer within ${this.config.timeoutMs} ms`));
            }, this.config.timeoutMs);
            const onAbort = () => request.destroy(new Error('aborted at shutdown'));
            this.abortController.signal.addEventListener('abort', onAbort, { once: true });
            for (const part of batch.parts)
                request.write(part);
            request.end();
        });
    }
    drop(batch, status) {
        this.stats.sinkFailures.status_4xx++;
        this.stats.batchesDropped++;
        this.stats.recordsDropped += batch.records;
        this.logger.error({
            url: this.displayUrl,
            status,
            records: batch.records,
            droppedBatches: this.stats.batchesDropped,
        }, 'sink refused the batch; it is dropped and shipping goes on');
        return 'dropped';
    }
}
function classify(response) {
    const status = response.statusCode ?? 0;
    if (status >= 200 && status < 300)
        return { kind: 'ok' };
    if (status === 429 || status >= 500) {
        const header = response.headers['retry-after'];
        const reason = status === 429 ? 'status_429' : 'status_5xx';
        return { kind: 'retry', reason, status, retryAfterMs: retryAfterMs(header ?? null) };
    }
    return { kind: 'refused', status };
}
function bodyLength(batch) {
    let length = 0;
    for (const part of batch.parts)
        length += Buffer.byteLength(part);
    return length;
}
function describe(error) {
    const code = error.code;
    return code ? `${error.message} (${code})` : error.message;
}
//# sourceMappingURL=http-sink.js.map