import { createServer } from 'node:http';
import { listen } from './listening-server.js';
/**
 * GET /healthz: 200 while the shipping loop comes round (a slow sink counts as alive: it is
 * waited on deliberately). GET /readyz: 200 once the checkpoint is loaded and the loop runs,
 * 503 while starting and from the moment shutdown begins.
 */
export function startHealthServer(host, port, health) {
    const server = createServer((request, response) => {
        const path = (request.url ?? '/').split('?')[0];
        const state = health();
        let status = 404;
        let body = { error: 'not found' };
        if (request.method !== 'GET' && request.method !== 'HEAD') {
            status = 405;
            body = { error: 'method not allowed' };
        }
        else if (path === '/healthz') {
            status = state.alive ? 200 : 503;
            body = { status: state.alive ? 'ok' : 'stalled' };
        }
        else if (path === '/readyz') {
            status = state.ready ? 200 : 503;
            body = { status: state.ready ? 'ready' : 'not ready', files: state.files };
        }
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(request.method === 'HEAD' ? undefined : `${JSON.stringify(body)}\n`);
    });
    return listen(server, host, port);
}
//# sourceMappingURL=health-server.js.map