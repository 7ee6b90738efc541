import { createServer, type Server, type ServerResponse } from 'node:http';

import type { HealthState } from './supervisor.js';

/**
 * GET /healthz: 200 while the supervisor runs and Redis answers PING.
 * GET /readyz: 200 only once every key of the Secret is in Redis, 503 JSON before.
 */
export function createHealthServer(check: () => Promise<HealthState>): Server {
  return createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/healthz' && path !== '/readyz') {
      send(response, 404, { status: 'not found' });
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      send(response, 405, { status: 'method not allowed' });
      return;
    }

    check().then(
      (state) => {
        if (path === '/healthz') {
          send(response, state.alive ? 200 : 503, { status: state.alive ? 'ok' : 'unavailable' });
          return;
        }
        const body = { status: state.ready ? 'ready' : 'not ready', reason: state.reason };
        send(response, state.ready ? 200 : 503, body);
      },
      () => send(response, 503, { status: 'unavailable' }),
    );
  });
}

function send(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}
