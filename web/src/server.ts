import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';

/** While draining, idle keep-alive sockets are closed this often. */
const SWEEP_MS = 50;

/**
 * Node's own limits stay in force: a header block over 16 KiB gets 431 and a request
 * line Node cannot parse gets 400, and the connection is closed either way.
 * Known shortcoming: those requests never reach Express, so no request line logs them.
 */
export async function listen(app: RequestListener, host: string, port: number): Promise<Server> {
  const server = createServer(app);
  server.listen({ host, port });
  await once(server, 'listening');
  return server;
}

export type DrainOutcome = 'drained' | 'forced';

/**
 * Stops accepting connections, lets requests in flight finish, and closes
 * keep-alive connections as soon as they are idle. Node's server.close() closes
 * only the sockets idle at that moment; a socket whose request finishes later
 * would stay open until keepAliveTimeout, so idle sockets are swept until the
 * server has closed and late requests on old sockets are answered with
 * `Connection: close`. After timeoutMs every remaining socket is destroyed.
 */
export function drain(server: Server, timeoutMs: number): Promise<DrainOutcome> {
  return new Promise((resolve) => {
    let outcome: DrainOutcome = 'drained';

    server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
    const force = setTimeout(() => {
      outcome = 'forced';
      server.closeAllConnections();
    }, timeoutMs);

    server.close(() => {
      clearInterval(sweep);
      clearTimeout(force);
      resolve(outcome);
    });
    server.closeIdleConnections();
  });
}
