export const VARIABLES = [
    { name: 'LOG_DIR', fallback: '/var/log/app', meaning: 'directory whose files are shipped' },
    {
        name: 'LOG_GLOB',
        fallback: '*.log',
        meaning: 'base names to follow: *, ?, [abc], [!abc]; no /',
    },
    {
        name: 'STATE_DIR',
        fallback: '/var/lib/log-sidecar',
        meaning: 'where checkpoints.json is kept (created if missing)',
    },
    {
        name: 'MAX_LINE_BYTES',
        fallback: '262144',
        meaning: 'longer lines are cut into pieces of at most this many bytes',
    },
    { name: 'READ_CHUNK_BYTES', fallback: '524288', meaning: 'bytes read from a file at a time' },
    {
        name: 'POLL_INTERVAL_MS',
        fallback: '500',
        meaning: 'directory rescan and fallback poll (inotify wakes the shipper sooner)',
    },
    {
        name: 'ROTATE_GRACE_MS',
        fallback: '2000',
        meaning: 'a rotated or deleted file is read until idle this long, then closed',
    },
    { name: 'BATCH_MAX_BYTES', fallback: '1048576', meaning: 'input bytes that end a batch' },
    {
        name: 'BATCH_MAX_LINES',
        fallback: '10000',
        meaning: 'lines that end a batch; at most one batch repeats after kill -9',
    },
    {
        name: 'BATCH_MAX_WAIT_MS',
        fallback: '1000',
        meaning: 'a batch with lines is sent once it is this old',
    },
    {
        name: 'CHECKPOINT_INTERVAL_MS',
        fallback: '1000',
        meaning: 'positions are journaled after every batch; snapshot with fsync this often',
    },
    { name: 'SINK', fallback: 'stdout', meaning: 'stdout or http' },
    {
        name: 'SINK_URL',
        fallback: undefined,
        meaning: 'http(s) URL batches are POSTed to (SINK=http); user:password@ = Basic auth',
    },
    {
        name: 'SINK_TIMEOUT_MS',
        fallback: '10000',
        meaning: 'an HTTP request without an answer this long is retried',
    },
    { name: 'SINK_RETRY_BASE_MS', fallback: '250', meaning: 'first retry delay (exponential)' },
    { name: 'SINK_RETRY_MAX_MS', fallback: '30000', meaning: 'longest retry delay' },
    {
        name: 'OUTPUT_FORMAT',
        fallback: 'raw',
        meaning: 'raw: each line as written; json: one envelope per line',
    },
    { name: 'POD_NAME', fallback: undefined, meaning: 'added to JSON envelopes (Downward API)' },
    { name: 'POD_NAMESPACE', fallback: undefined, meaning: 'added to JSON envelopes' },
    { name: 'CONTAINER_NAME', fallback: undefined, meaning: 'added to JSON envelopes' },
    { name: 'HEALTH_HOST', fallback: '0.0.0.0', meaning: 'address of GET /healthz and /readyz' },
    { name: 'HEALTH_PORT', fallback: '8082', meaning: 'port of GET /healthz and /readyz' },
    {
        name: 'METRICS_HOST',
        fallback: '127.0.0.1',
        meaning: 'address of GET /metrics (0.0.0.0 lets Prometheus reach it)',
    },
    {
        name: 'METRICS_PORT',
        fallback: '9103',
        meaning: 'port of GET /metrics; must differ from HEALTH_PORT',
    },
    {
        name: 'SHUTDOWN_TIMEOUT_MS',
        fallback: '20000',
        meaning: 'after SIGTERM, give up on a failing sink after this long (exit 1)',
    },
    {
        name: 'ONCE',
        fallback: 'false',
        meaning: 'true: ship every file to its end, save the checkpoint, exit (no servers)',
    },
    {
        name: 'LOG_LEVEL',
        fallback: 'info',
        meaning: 'fatal, error, warn, info, debug, trace or silent (own log, on stderr)',
    },
];
/** The text of `node log-sidecar/dist/main.js --help`. */
export function helpText() {
    const rows = VARIABLES.flatMap((variable) => [
        variable.fallback === undefined
            ? `  ${variable.name} (no default)`
            : `  ${variable.name}=${variable.fallback}`,
        `      ${variable.meaning}`,
    ]);
    return [
        'log-sidecar: follows the files in LOG_DIR that match LOG_GLOB and ships every line once,',
        'in order, to stdout or an HTTP endpoint, surviving rotation, copytruncate and restarts.',
        '',
        'Usage: node log-sidecar/dist/main.js [--help]',
        '',
        'Configuration comes from the environment only (NAME=default, then what it does):',
        ...rows,
        '',
        'Serves GET /healthz and /readyz on HEALTH_HOST:HEALTH_PORT and GET /metrics on',
        'METRICS_HOST:METRICS_PORT (not with ONCE=true). Its own log is pino JSON on stderr.',
        'An invalid value exits 2 with one line naming the variable.',
        '',
        'Example: ship ./logs/*.log once, as JSON, to stdout:',
        '  LOG_DIR=./logs STATE_DIR=./state ONCE=true OUTPUT_FORMAT=json \\',
        '    node log-sidecar/dist/main.js 2>/dev/null',
        '',
    ].join('\n');
}
//# sourceMappingURL=help.js.map