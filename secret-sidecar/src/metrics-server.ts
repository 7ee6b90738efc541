import { createServer, type Server } from 'node:http';

import { metricsListener } from '@sidecar-pod/common';
import type { Registry } from 'prom-client';

/** The metrics server, apart from the health server (see metricsListener for why). */
export function createMetricsServer(registry: Registry): Server {
  return createServer(metricsListener(registry));
}
