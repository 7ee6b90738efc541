/** One environment variable as `--help` shows it. */
export interface VariableHelp {
  name: string;
  /** What applies when the variable is unset or empty. */
  fallback: string;
  meaning: string;
}

export const VARIABLES: readonly VariableHelp[] = [
  { name: 'HOST', fallback: '0.0.0.0', meaning: 'address of GET /, /healthz and /readyz' },
  { name: 'PORT', fallback: '8080', meaning: 'port of GET /, /healthz and /readyz' },
  {
    name: 'METRICS_HOST',
    fallback: '127.0.0.1',
    meaning: 'address of GET /metrics (0.0.0.0 lets Prometheus reach it)',
  },
  {
    name: 'METRICS_PORT',
    fallback: '9101',
    meaning: 'port of GET /metrics; must differ from PORT',
  },
  {
    name: 'REDIS_URL',
    fallback: 'redis://127.0.0.1:6379',
    meaning: 'redis://[user[:password]@]host[:port][/db] of the secret sidecar',
  },
  {
    name: 'REDIS_USERNAME',
    fallback: 'the user in REDIS_URL, else `default`',
    meaning: "Redis ACL user (the sidecar's user for web is `web`)",
  },
  {
    name: 'REDIS_PASSWORD',
    fallback: 'the password in REDIS_URL, else none',
    meaning: 'password of that user; never logged',
  },
  { name: 'SECRET_KEY', fallback: 'secret', meaning: 'the Redis key whose value GET / shows' },
  {
    name: 'SECRET_CACHE',
    fallback: 'on',
    meaning: 'on: keep the value until Redis reports a change; off: GET every time',
  },
  {
    name: 'REDIS_COMMAND_TIMEOUT_MS',
    fallback: '1000',
    meaning: 'a GET slower than this answers 503 (1 to 60000)',
  },
  {
    name: 'SHUTDOWN_TIMEOUT_MS',
    fallback: '10000',
    meaning: 'after SIGTERM, the time requests in flight get before sockets are cut',
  },
  {
    name: 'LOG_LEVEL',
    fallback: 'info',
    meaning: 'fatal, error, warn, info, debug, trace or silent',
  },
  {
    name: 'LOG_FILE',
    fallback: 'none, stdout only',
    meaning: 'also append the JSON lines to this file; SIGHUP reopens it',
  },
  {
    name: 'LOG_FILE_MAX_BYTES',
    fallback: '52428800',
    meaning: 'past this size, rename LOG_FILE to <name>.1 and open a new one; 0: never',
  },
  { name: 'POD_NAME', fallback: 'none', meaning: 'pod name for the log lines (Downward API)' },
];

/** The text of `node web/dist/main.js --help`. */
export function helpText(): string {
  const width = Math.max(...VARIABLES.map((variable) => variable.name.length));
  const rows = VARIABLES.map(
    (variable) =>
      `  ${variable.name.padEnd(width)}  ${variable.meaning}\n` +
      `  ${' '.repeat(width)}  (default: ${variable.fallback})`,
  );

  return [
    "web: the pod's main container. GET / answers `Hi there! The secret is <value>.`,",
    'reading the value from the Redis that the secret sidecar keeps in step with a',
    'Kubernetes Secret.',
    '',
    'Usage: node web/dist/main.js [--help]',
    '',
    'Configuration comes from the environment only:',
    '',
    ...rows,
    '',
    'Endpoints: GET / (text), /healthz (the process answers), /readyz (Redis answers a GET',
    'for the key) on HOST:PORT; GET /metrics on METRICS_HOST:METRICS_PORT.',
    'Invalid configuration exits 2; a port that cannot be bound exits 1.',
    '',
    'Example, from the repository root, with a local Redis that holds the key `secret`:',
    '',
    '  redis-server --port 6379 --notify-keyspace-events KA &',
    '  redis-cli set secret foobar',
    '  HOST=127.0.0.1 PORT=8080 node web/dist/main.js',
    '  curl http://127.0.0.1:8080/        # Hi there! The secret is foobar.',
    '',
  ].join('\n');
}
