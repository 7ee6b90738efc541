import { createServer } from 'node:http';
import { metricsListener } from '@sidecar-pod/common';
import { listen } from './listening-server.js';
/** The metrics server, apart from the health server (see metricsListener for why). */
export function startMetricsServer(registry, host, port) {
    return listen(createServer(metricsListener(registry)), host, port);
}
//# sourceMappingURL=metrics-server.js.map