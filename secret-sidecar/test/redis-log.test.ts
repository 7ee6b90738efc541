import { describe, expect, it } from 'vitest';

import { parseRedisLogLine } from '../src/redis-log.js';

describe('parseRedisLogLine', () => {
  it.each([
    [
      '1:M 04 Dec 2026 15:49:24.673 * Ready to accept connections',
      'info',
      'Ready to accept connections',
    ],
    ['1:C 04 Dec 2026 15:49:24.671 # Configuration loaded', 'info', 'Configuration loaded'],
    [
      '1:M 04 Dec 2026 15:49:31.412 # Failed listening on port 1 (TCP), aborting.',
      'warn',
      'Failed listening on port 1 (TCP), aborting.',
    ],
    ['1:M 04 Dec 2026 15:49:31.412 - Client closed', 'debug', 'Client closed'],
    [
      '1:signal-handler (1796399366) Received SIGTERM scheduling shutdown...',
      'info',
      'Received SIGTERM scheduling shutdown...',
    ],
  ])('should forward %j at its level', (raw, level, msg) => {
    expect(parseRedisLogLine(raw, 'stdout')).toMatchObject({ level, msg, redisPid: 1 });
  });

  it('should forward a fatal config error from stderr at error, with hashes masked', () => {
    const hash = 'a'.repeat(64);
    expect(parseRedisLogLine(`>>> 'user web on #${hash}'`, 'stderr')).toEqual({
      level: 'error',
      msg: ">>> 'user web on #<sha256>'",
    });
  });
});
