import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

import type { Route, WebMetrics } from './metrics.js';

/** An incoming id is kept only if it is short and cannot break a header or a log reader. */
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * A new id is this process's random prefix and a sequence number: unique within the
 * process by the counter, and across restarts and replicas by the 48 random bits,
 * at the cost of a string concatenation instead of a random UUID per request.
 */
const ID_PREFIX = randomBytes(6).toString('hex');
let sequence = 0;

export function requestId(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming)) return incoming;

  sequence += 1;
  return `${ID_PREFIX}-${sequence.toString(36)}`;
}

/** The route Express matched, as the metrics label it; 404s and early errors are `other`. */
export function routeOf(req: Request): Route {
  const path: unknown = req.route?.path;
  return path === '/' || path === '/healthz' || path === '/readyz' ? path : 'other';
}

/** What one request line holds; the same fields whichever path answered. */
export interface RequestRecord {
  reqId: string;
  method: string | undefined;
  url: string | undefined;
  status: number;
  startedAt: number;
  finished: boolean;
  errorCode: string | undefined;
}

/**
 * Writes the request line and feeds the request counter and latency histogram.
 * Only these fields: headers and bodies are never logged, so neither is the secret.
 */
export function recordRequest(
  logger: Logger,
  metrics: WebMetrics,
  route: Route,
  record: RequestRecord,
): void {
  const ms = performance.now() - record.startedAt;
  logger.info(
    {
      reqId: record.reqId,
      method: record.method,
      url: record.url,
      status: record.status,
      responseTime: Math.round(ms * 100) / 100,
      errorCode: record.errorCode,
    },
    record.finished ? 'request completed' : 'request aborted',
  );
  metrics.request(route, record.finished ? record.status : 'aborted', ms / 1000);
}

/**
 * One JSON line per request, written when the response closes: request id,
 * method, url, status, responseTime in ms, and the error code of a failed request.
 */
export function requestLog(logger: Logger, metrics: WebMetrics): RequestHandler {
  return (req, res, next) => {
    const startedAt = performance.now();
    const reqId = requestId(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', reqId);

    res.once('close', () => {
      recordRequest(logger, metrics, routeOf(req), {
        reqId,
        method: req.method,
        url: req.originalUrl,
        status: res.statusCode,
        startedAt,
        finished: res.writableFinished,
        errorCode: res.locals.errorCode as string | undefined,
      });
    });
    next();
  };
}
