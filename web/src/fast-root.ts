import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

import type { Logger } from 'pino';

import type { GreetingBody } from './greeting.js';
import type { WebMetrics } from './metrics.js';
import { recordRequest, requestId } from './request-log.js';
import { writeGreeting } from './respond.js';
import type { SecretSource } from './secret-source.js';

export interface FastRootDeps {
  source: SecretSource;
  bodies: GreetingBody;
  logger: Logger;
  metrics: WebMetrics;
}

/**
 * GET / and HEAD / while the value is cached: the one request a pod gets in bulk,
 * answered in one synchronous step. The answer is complete when `end` returns, so
 * the request line is written at once instead of from a 'close' listener, and no
 * router, closure or listener is set up for it. Anything else (another path, a
 * query string, another method, nothing cached) returns false and goes to Express.
 */
export function createFastRoot({ source, bodies, logger, metrics }: FastRootDeps) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.url !== '/' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const value = source.cached();
    if (value === undefined) return false;

    const startedAt = performance.now();
    const reqId = requestId(req.headers['x-request-id']);
    metrics.cacheHit();
    writeGreeting(res, bodies.for(value), reqId);

    recordRequest(logger, metrics, '/', {
      reqId,
      method: req.method,
      url: req.url,
      status: 200,
      startedAt,
      // A client that left before the answer leaves a destroyed socket behind.
      finished: !req.socket.destroyed,
      errorCode: undefined,
    });
    return true;
  };
}
