import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { RequestHandler } from 'express';
import type { Logger } from 'pino';

/** An incoming id is kept only if it is short and cannot break a header or a log reader. */
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

export function requestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * One JSON line per request, written when the response closes: request id,
 * method, url, status, responseTime in ms, and the error code of a failed request.
 * Only these fields: headers and bodies are never logged, so neither is the secret.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const start = performance.now();
    const reqId = requestId(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', reqId);

    res.once('close', () => {
      const line = {
        reqId,
        method: req.method,
        url: req.originalUrl,
        status: res.statusCode,
        responseTime: Math.round((performance.now() - start) * 100) / 100,
        errorCode: res.locals.errorCode as string | undefined,
      };
      logger.info(line, res.writableFinished ? 'request completed' : 'request aborted');
    });
    next();
  };
}
