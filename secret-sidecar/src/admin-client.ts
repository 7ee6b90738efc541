import { Redis } from 'ioredis';

import { ADMIN_USER } from './config.js';

export interface AdminClientOptions {
  bind: string;
  port: number;
  password: string;
}

/**
 * The supervisor's own connection to one run of redis-server, as the admin user.
 * It does not reconnect: when Redis dies, the restart makes a new Redis and a new client.
 */
export function createAdminClient(options: AdminClientOptions): Redis {
  const client = new Redis({
    host: clientHost(options.bind),
    port: options.port,
    username: ADMIN_USER,
    password: options.password,
    connectionName: 'secret-sidecar',
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 5000,
    retryStrategy: () => null,
  });
  // Failures surface as rejected commands, handled where they are sent.
  client.on('error', () => undefined);
  return client;
}

/** Where the supervisor reaches Redis: the first bind address, a wildcard meaning loopback. */
export function clientHost(bind: string): string {
  const first = bind.trim().split(/\s+/)[0] ?? '127.0.0.1';
  const address = first.replace(/^-/, '');
  if (address === '*' || address === '0.0.0.0') return '127.0.0.1';
  if (address === '::*' || address === '::') return '::1';
  return address;
}
