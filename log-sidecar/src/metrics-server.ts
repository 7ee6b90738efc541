import { createServer } from 'node:http';

import { metricsListener } from '@sidecar-pod/common';
import type { Registry } from 'prom-client';

import { listen, type ListeningServer } from './listening-server.js';

/** The metrics server, apart from the health server (see metricsListener for why). */
export function startMetricsServer(
  registry: Registry,
  host: string,
  port: number,
): Promise<ListeningServer> {
  return listen(createServer(metricsListener(registry)), host, port);
}
