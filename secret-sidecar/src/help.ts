/** One environment variable as `--help` shows it. */
export interface VariableHelp {
  name: string;
  /** What applies when the variable is unset or empty; undefined when it is required. */
  fallback: string | undefined;
  meaning: string;
}

export const VARIABLES: readonly VariableHelp[] = [
  {
    name: 'WEB_REDIS_PASSWORD',
    fallback: undefined,
    meaning: "password of web's Redis user (web's copy: REDIS_PASSWORD)",
  },
  {
    name: 'SECRET_DIR',
    fallback: '/etc/secret-sidecar/secret',
    meaning: 'the mounted Secret: a file per key; `*.redis` files hold commands',
  },
  { name: 'WEB_REDIS_USER', fallback: 'web', meaning: "name of web's Redis ACL user" },
  {
    name: 'WEB_REDIS_KEYS',
    fallback: 'secret',
    meaning: 'comma list of key patterns that web may GET and watch',
  },
  { name: 'REDIS_SERVER', fallback: 'redis-server', meaning: 'the redis-server program to run' },
  { name: 'REDIS_BIND', fallback: '127.0.0.1', meaning: "Redis's bind addresses (space list)" },
  { name: 'REDIS_PORT', fallback: '6379', meaning: "Redis's port" },
  {
    name: 'SECRET_POLL_INTERVAL_MS',
    fallback: '1000',
    meaning: 'poll for Secret changes inotify misses (50 to 3600000)',
  },
  { name: 'HEALTH_HOST', fallback: '0.0.0.0', meaning: 'address of /healthz and /readyz' },
  { name: 'HEALTH_PORT', fallback: '8081', meaning: 'port of /healthz and /readyz' },
  {
    name: 'METRICS_HOST',
    fallback: '127.0.0.1',
    meaning: 'address of /metrics (0.0.0.0 lets Prometheus reach it)',
  },
  { name: 'METRICS_PORT', fallback: '9102', meaning: 'port of /metrics' },
  {
    name: 'LOG_LEVEL',
    fallback: 'info',
    meaning: 'fatal, error, warn, info, debug, trace or silent',
  },
  { name: 'POD_NAME', fallback: 'unset', meaning: 'pod name for the log lines (Downward API)' },
];

/** The text of `node dist/main.js --help`. */
export function helpText(): string {
  const width = Math.max(...VARIABLES.map((variable) => variable.name.length));
  const indent = ' '.repeat(width + 4);
  const rows = VARIABLES.flatMap((variable) => {
    const fallback = variable.fallback === undefined ? 'required' : `default ${variable.fallback}`;
    return [`  ${variable.name.padEnd(width)}  ${variable.meaning}`, `${indent}(${fallback})`];
  });

  return [
    'secret-sidecar: runs a loopback-only redis-server, seeds it from a Kubernetes Secret',
    'volume and keeps it in step with the Secret as it rotates.',
    '',
    'Usage: node secret-sidecar/dist/main.js [--help]',
    '',
    'Configuration comes from the environment only:',
    '',
    ...rows,
    '',
    'Endpoints: GET /healthz and /readyz on HEALTH_HOST:HEALTH_PORT (200 once every key is',
    'seeded), GET /metrics on METRICS_HOST:METRICS_PORT. Invalid configuration exits 2.',
    '',
    'Example, from the repository root, with the sample Secret (`secret` = foobar):',
    '',
    '  WEB_REDIS_PASSWORD=change-me SECRET_DIR=secret-sidecar/sample-secret \\',
    '    HEALTH_HOST=127.0.0.1 node secret-sidecar/dist/main.js',
    '',
  ].join('\n');
}
