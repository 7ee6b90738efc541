import { Redis, type RedisOptions } from 'ioredis';

import type { RedisConfig } from './config.js';

/**
 * Reconnect delays: 50 ms doubling to a 1 s cap, plus up to 50 ms of jitter. Redis is
 * a sidecar on loopback, so one attempt a second costs nothing while it is down and
 * web is back within about a second of Redis returning.
 */
const RECONNECT_BASE_MS = 50;
const RECONNECT_CAP_MS = 1000;

function reconnectDelay(attempt: number): number {
  const exponential = RECONNECT_BASE_MS * 2 ** Math.min(attempt - 1, 16);
  return Math.min(exponential, RECONNECT_CAP_MS) + Math.floor(Math.random() * 50);
}

/**
 * One ioredis connection shaped for web's ACL user, which may run only GET, PING,
 * SUBSCRIBE and UNSUBSCRIBE. AUTH and HELLO pass any ACL (Redis' acl.c lets commands
 * flagged no-auth through), so ioredis 6's `HELLO 3 AUTH user pass` handshake works;
 * everything else it would send on connect is switched off: the ready check (INFO),
 * the connection name and library info (CLIENT SETNAME/SETINFO) and maintenance
 * notifications (CLIENT MAINT_NOTIFICATIONS). The caller must attach an 'error'
 * listener in the same tick, or ioredis prints "Unhandled error event".
 */
export function createRedisClient(config: RedisConfig): Redis {
  const options: RedisOptions = {
    host: config.host,
    port: config.port,
    db: config.db,
    username: config.username,
    password: config.password,
    enableReadyCheck: false,
    disableClientInfo: true,
    maintNotifications: 'disabled',
    // Fail fast while disconnected instead of queueing until Redis returns.
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    autoResubscribe: false,
    commandTimeout: config.commandTimeoutMs,
    connectTimeout: Math.max(config.commandTimeoutMs, 2000),
    retryStrategy: reconnectDelay,
  };
  return new Redis(options);
}
