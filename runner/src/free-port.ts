import { createServer } from 'node:net';

// The kernel may hand the same ephemeral port to two probes in a row, since each
// probe closes its listener before the caller binds it; remember what was given out.
const handedOut = new Set<number>();

/** Asks the kernel for a free TCP port on loopback, never one this process was given before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = await probePort(host);
    if (handedOut.has(port)) continue;

    handedOut.add(port);
    return port;
  }
  throw new Error(`no new free port on ${host} after 50 attempts`);
}

function probePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe listener'));
      });
    });
  });
}
