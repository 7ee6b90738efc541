import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a Prometheus registry offers a scrape; prom-client's Registry has both. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/**
 * GET /metrics in Prometheus's text format, as a plain node:http listener for a server
 * of its own on METRICS_HOST:METRICS_PORT: apart from the health endpoints (which must
 * answer the kubelet on the pod IP) and from web's public port, so metrics stay on the
 * pod's loopback unless METRICS_HOST opens them, and a scrape is not counted as traffic.
 */
export function metricsListener(source: MetricsSource) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') return sendText(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendText(res, 405, 'method not allowed\n');
    }

    source.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': source.contentType, 'Cache-Control': 'no-store' });
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
