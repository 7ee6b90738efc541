import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

import type { Route, WebMetrics } from './metrics.js';

/** An incoming id is kept only if it is short and cannot break a header or a log reader. */
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function requestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** The route Express matched, as the metrics label it; 404s and early errors are `other`. */
export function routeOf(req: Request): Route {
  const path: unknown = req.route?.path;
  return path === '/' || path === '/healthz' || path === '/readyz' ? path : 'other';
}

/**
 * One JSON line per request, written when the response closes: request id,
 * method, url, status, responseTime in ms, and the error code of a failed request.
 * Only these fields: headers and bodies are never logged, so neither is the secret.
 * The same moment feeds the request counter and the latency histogram.
 */
export function requestLog(logger: Logger, metrics: WebMetrics): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    const reqId = requestId(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', reqId);

    res.once('close', () => {
      const ms = performance.now() - start;
      const finished = res.writableFinished;
      const line = {
        reqId,
        method: req.method,
        url: req.originalUrl,
        status: res.statusCode,
        responseTime: Math.round(ms * 100) / 100,
        errorCode: res.locals.errorCode as string | undefined,
      };
      logger.info(line, finished ? 'request completed' : 'request aborted');
      metrics.request(routeOf(req), finished ? res.statusCode : 'aborted', ms / 1000);
    });
    next();
  };
}
