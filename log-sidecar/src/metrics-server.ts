import { createServer, type ServerResponse } from 'node:http';

import type { Registry } from 'prom-client';

import { listen, type ListeningServer } from './listening-server.js';

/**
 * GET /metrics in Prometheus's text format, on a server of its own: the health server must
 * answer the kubelet on the pod IP, while metrics stay on the pod's loopback unless
 * METRICS_HOST opens them.
 */
export function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
): Promise<ListeningServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      sendText(response, 404, 'not found\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      sendText(response, 405, 'method not allowed\n');
      return;
    }

    registry.metrics().then(
      (text) => {
        response.writeHead(200, {
          'content-type': registry.contentType,
          'cache-control': 'no-store',
        });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: Error) => sendText(response, 500, `cannot collect metrics: ${error.message}\n`),
    );
  });
  return listen(server, host, port);
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(text);
}
