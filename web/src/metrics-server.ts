import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Registry } from 'prom-client';

/**
 * GET /metrics in Prometheus's text format, as a plain node:http listener for a
 * server of its own on METRICS_HOST:METRICS_PORT: apart from the Express app, so the
 * metrics are never reachable on the public port, and a scrape does not show up in
 * the request log or in its own request counter.
 */
export function metricsListener(registry: Registry) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') return sendText(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, 'method not allowed\n');
    }

    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (error: Error) => sendText(res, 500, `cannot collect metrics: ${error.message}\n`),
    );
  };
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
