import { get } from 'node:http';

import { ConfigError, readPort } from '@sidecar-pod/common';

/**
 * Exec probe for compose and Kubernetes: exits 0 iff the supervisor on this host
 * answers 200 on /readyz within 2 s, 1 otherwise, 2 when HEALTH_PORT is invalid.
 */
function probe(): void {
  let port: number;
  try {
    port = readPort(process.env, 'HEALTH_PORT', 8081);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`healthcheck: ${error.message}\n`);
    process.exit(2);
  }

  const request = get({ host: '127.0.0.1', port, path: '/readyz', timeout: 2000 }, (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  });
  request.on('timeout', () => request.destroy(new Error('timed out')));
  request.on('error', () => process.exit(1));
}

probe();
