import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export class PreflightError extends Error {
  override name = 'PreflightError';
}

export function checkRedisServer(binary: string): void {
  const result = spawnSync(binary, ['--version'], { stdio: 'ignore' });
  if (result.status === 0) return;

  throw new PreflightError(
    `${binary} was not found: install it with "sudo apt-get install -y redis-server" ` +
      `(Debian, Ubuntu) or "brew install redis" (macOS), or set REDIS_SERVER to its path`,
  );
}

/** Fails early, and in words, when the port a user will curl is already taken. */
export function checkPortFree(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      const reason =
        error.code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${error.code})`;
      reject(
        new PreflightError(`port ${port} on ${host} ${reason}: stop what holds it or set PORT`),
      );
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
