import { createHash } from 'node:crypto';

export interface RedisConfigInput {
  bind: string;
  port: number;
  /** Redis chdirs here; with persistence off it must stay empty. */
  dir: string;
  adminUser: string;
  adminPassword: string;
  webUser: string;
  webPassword: string;
  webKeys: readonly string[];
}

/**
 * The redis.conf text handed to `redis-server -` on stdin, so that nothing of it
 * shows in the process list. Passwords appear only as `#<sha256 hex>`: Redis
 * accepts a hash in place of the password (ACL docs), which needs no quoting and
 * keeps clear text out of the config, out of Redis's memory and out of its log
 * when Redis echoes a bad config line.
 */
export function buildRedisConfig(input: RedisConfigInput): string {
  const webChannels = input.webKeys.map((key) => `&__keyspace@0__:${key}`);
  const webKeyPatterns = input.webKeys.map((key) => `~${key}`);

  const lines = [
    `bind ${input.bind}`,
    `port ${input.port}`,
    'protected-mode yes',
    // No persistence at all: the values live only in memory and are re-seeded
    // from the Secret whenever Redis starts.
    'save ""',
    'appendonly no',
    `dir ${quote(input.dir)}`,
    // Redis 7's defaults, stated: no DEBUG, no MODULE LOAD, no CONFIG SET of paths.
    'enable-debug-command no',
    'enable-module-command no',
    'enable-protected-configs no',
    'user default off resetpass -@all',
    `user ${input.adminUser} on #${sha256(input.adminPassword)} ~* &* +@all`,
    [
      `user ${input.webUser} on #${sha256(input.webPassword)}`,
      'resetkeys',
      ...webKeyPatterns,
      'resetchannels',
      ...webChannels,
      '-@all +get +ping +subscribe +unsubscribe',
    ].join(' '),
    // K: keyspace channel, $: string commands, g: generic (DEL, EXPIRE, RENAME),
    // so web hears about every write the seeder makes to its keys.
    'notify-keyspace-events K$g',
  ];
  return `${lines.join('\n')}\n`;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A double-quoted redis.conf argument: only `\` and `"` need escaping in a path. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}
