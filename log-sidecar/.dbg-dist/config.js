import { ConfigError, readChoice, readInteger, readLogLevel, readOptionalString, readPort, readString, } from '@sidecar-pod/common';
import { globToRegExp } from './glob.js';
const KIB = 1024;
const MIB = 1024 * KIB;
/** Reads log-sidecar's environment once into a fully resolved config; throws ConfigError. */
export function loadConfig(env) {
    const sink = readChoice(env, 'SINK', ['stdout', 'http'], 'stdout');
    const logGlob = readString(env, 'LOG_GLOB', '*.log');
    const maxLineBytes = readInteger(env, 'MAX_LINE_BYTES', 256 * KIB, { min: 16, max: 64 * MIB });
    const config = {
        logDir: readString(env, 'LOG_DIR', '/var/log/app'),
        logGlob,
        globPattern: globToRegExp(logGlob),
        stateDir: readString(env, 'STATE_DIR', '/var/lib/log-sidecar'),
        maxLineBytes,
        readChunkBytes: readInteger(env, 'READ_CHUNK_BYTES', 512 * KIB, {
            min: 4 * KIB,
            max: 64 * MIB,
        }),
        pollIntervalMs: readInteger(env, 'POLL_INTERVAL_MS', 500, { min: 5, max: 60_000 }),
        rotateGraceMs: readInteger(env, 'ROTATE_GRACE_MS', 2000, { min: 0, max: 600_000 }),
        batchMaxBytes: readInteger(env, 'BATCH_MAX_BYTES', 1 * MIB, { min: 1, max: 256 * MIB }),
        batchMaxLines: readInteger(env, 'BATCH_MAX_LINES', 10_000, { min: 1, max: 10_000_000 }),
        batchMaxWaitMs: readInteger(env, 'BATCH_MAX_WAIT_MS', 1000, { min: 0, max: 600_000 }),
        checkpointIntervalMs: readInteger(env, 'CHECKPOINT_INTERVAL_MS', 1000, {
            min: 1,
            max: 600_000,
        }),
        sink,
        http: sink === 'http' ? loadHttpSink(env) : undefined,
        outputFormat: readChoice(env, 'OUTPUT_FORMAT', ['raw', 'json'], 'raw'),
        podName: readOptionalString(env, 'POD_NAME'),
        podNamespace: readOptionalString(env, 'POD_NAMESPACE'),
        containerName: readOptionalString(env, 'CONTAINER_NAME'),
        healthHost: readString(env, 'HEALTH_HOST', '0.0.0.0'),
        healthPort: readPort(env, 'HEALTH_PORT', 8082),
        // Loopback by default: the pod's containers can scrape it; a manifest that wants
        // Prometheus to reach it sets the pod IP or 0.0.0.0.
        metricsHost: readString(env, 'METRICS_HOST', '127.0.0.1'),
        metricsPort: readPort(env, 'METRICS_PORT', 9103),
        shutdownTimeoutMs: readInteger(env, 'SHUTDOWN_TIMEOUT_MS', 20_000, { min: 0, max: 600_000 }),
        once: readChoice(env, 'ONCE', ['true', 'false'], 'false') === 'true',
        logLevel: readLogLevel(env),
    };
    // Both servers share the pod's network namespace: one port for both would fail at start
    // with EADDRINUSE, later and less clearly than here.
    if (config.metricsPort === config.healthPort) {
        throw new ConfigError('METRICS_PORT', `${config.metricsPort} is already HEALTH_PORT`);
    }
    return config;
}
/** The resolved configuration as a start-up log line may show it: SINK_URL's secrets masked. */
export function describeConfig(config) {
    const { globPattern: _pattern, http, ...shown } = config;
    return {
        ...shown,
        http: http && { ...http, url: redactUrl(http.url) },
    };
}
/** The URL with its user, password and query values replaced by "***". */
export function redactUrl(url) {
    const shown = new URL(url);
    if (shown.username !== '')
        shown.username = '***';
    if (shown.password !== '')
        shown.password = '***';
    for (const name of [...new Set(shown.searchParams.keys())])
        shown.searchParams.set(name, '***');
    return shown.toString();
}
function loadHttpSink(env) {
    const raw = readOptionalString(env, 'SINK_URL');
    if (raw === undefined)
        throw new ConfigError('SINK_URL', 'is required when SINK=http');
    let url;
    try {
        url = new URL(raw);
    }
    catch {
        throw new ConfigError('SINK_URL', `is not a URL: ${JSON.stringify(raw)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new ConfigError('SINK_URL', `expected an http: or https: URL, got ${url.protocol}`);
    }
    return {
        url,
        timeoutMs: readInteger(env, 'SINK_TIMEOUT_MS', 10_000, { min: 1, max: 600_000 }),
        retryBaseMs: readInteger(env, 'SINK_RETRY_BASE_MS', 250, { min: 1, max: 600_000 }),
        retryMaxMs: readInteger(env, 'SINK_RETRY_MAX_MS', 30_000, { min: 1, max: 3_600_000 }),
    };
}
//# sourceMappingURL=config.js.map