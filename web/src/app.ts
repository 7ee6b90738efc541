import type { RequestListener } from 'node:http';

import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from 'pino';

import { errorHandler, notFound } from './error-handler.js';
import { createFastRoot } from './fast-root.js';
import { GreetingBody } from './greeting.js';
import { MethodNotAllowedError, reasonCode } from './http-errors.js';
import type { WebMetrics } from './metrics.js';
import type { Readiness } from './readiness.js';
import { requestLog } from './request-log.js';
import { sendJson, sendText } from './respond.js';
import type { SecretSource } from './secret-source.js';
import { rejectMalformedUrl } from './url-guard.js';

export interface AppDeps {
  source: SecretSource;
  readiness: Readiness;
  logger: Logger;
  metrics: WebMetrics;
}

const ALLOWED = ['GET', 'HEAD'] as const;

const methodNotAllowed: RequestHandler = (req, _res, next) => {
  next(new MethodNotAllowedError(req.method, ALLOWED));
};

/**
 * web's request listener: GET / from the cache on the fast path, everything else
 * (and GET / whenever the cache is empty) through the Express app. The fast path
 * sits in front of Express because, profiled under load, Express's dispatch and
 * the garbage it leaves cost about two thirds of a cached GET / even as the first
 * middleware (bench/web/RESULTS.md).
 */
export function createWebHandler(deps: AppDeps): RequestListener {
  const bodies = new GreetingBody(deps.metrics.secretChanged);
  const fastRoot = createFastRoot({ ...deps, bodies });
  const app = createApp({ ...deps, bodies });
  return (req, res) => {
    if (!fastRoot(req, res)) void app(req, res);
  };
}

/** Builds web's Express app. No I/O happens until a request arrives. */
export function createApp({
  source,
  readiness,
  logger,
  metrics,
  bodies = new GreetingBody(metrics.secretChanged),
}: AppDeps & { bodies?: GreetingBody }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', false);

  const greet: RequestHandler = (_req, res, next) => {
    const cached = source.cached();
    if (cached !== undefined) {
      metrics.cacheHit();
      return sendText(res, bodies.for(cached));
    }

    metrics.cacheMiss();
    source.read().then((value) => sendText(res, bodies.for(value)), next);
  };

  const ready: RequestHandler = (_req, res, next) => {
    readiness.check().then((result) => {
      if (result.ready) return sendJson(res, 200, { status: 'ready' });

      res.locals.errorCode = reasonCode(result.reason);
      sendJson(res, 503, { status: 'unready', reason: result.reason });
    }, next);
  };

  app.use(requestLog(logger, metrics));
  app.use(rejectMalformedUrl);

  // Express answers HEAD with a GET route and Node drops the body of a HEAD response.
  app.route('/').get(greet).all(methodNotAllowed);
  app
    .route('/healthz')
    .get((_req, res) => sendJson(res, 200, { status: 'ok' }))
    .all(methodNotAllowed);
  app.route('/readyz').get(ready).all(methodNotAllowed);

  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
