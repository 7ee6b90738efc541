import type { Server } from 'node:http';

export interface ListeningServer {
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port; rejects with the listen error (EADDRINUSE, EACCES) carrying both. */
export function listen(server: Server, host: string, port: number): Promise<ListeningServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () => closeServer(server),
      });
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
