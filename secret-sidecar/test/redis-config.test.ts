import { describe, expect, it } from 'vitest';

import { buildRedisConfig, sha256 } from '../src/redis-config.js';

describe('buildRedisConfig', () => {
  const text = buildRedisConfig({
    bind: '127.0.0.1',
    port: 6400,
    dir: '/tmp/a "b"',
    adminUser: 'secret-sidecar',
    adminPassword: 'admin-pass',
    webUser: 'web',
    webPassword: 'web pass "$&"',
    webKeys: ['secret', 'app:*'],
  });

  it('should hold passwords only as sha256 hashes', () => {
    expect(text).not.toContain('admin-pass');
    expect(text).not.toContain('web pass');
    expect(text).toContain(`#${sha256('web pass "$&"')}`);
  });

  it('should give web GET on its keys and their keyspace channels, and nothing else', () => {
    expect(text).toContain(
      `user web on #${sha256('web pass "$&"')} resetkeys ~secret ~app:* resetchannels ` +
        '&__keyspace@0__:secret &__keyspace@0__:app:* -@all +get +ping +subscribe +unsubscribe',
    );
  });

  it.each(['save ""', 'appendonly no', 'protected-mode yes', 'user default off resetpass -@all'])(
    'should contain %s',
    (line) => {
      expect(text.split('\n')).toContain(line);
    },
  );

  it('should quote the working directory for Redis', () => {
    expect(text).toContain('dir "/tmp/a \\"b\\""');
  });
});
