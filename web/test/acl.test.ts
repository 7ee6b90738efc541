import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRedis, type TestRedis } from '../../test-support/redis.js';
import { waitFor } from '../../test-support/wait.js';
import {
  adminClient,
  cacheLive,
  countLogged,
  createWeb,
  REDIS_CONFIG,
} from './support/web-fixture.js';

const ADMIN = { username: 'admin', password: 'admin-pw' };
const WEB_PASSWORD = 'web-pw-3f9a';

/** web's ACL user exactly as the secret sidecar defines it in the pod's Redis config. */
const WEB_ACL = [
  'web',
  'on',
  `>${WEB_PASSWORD}`,
  'resetkeys',
  '~secret',
  'resetchannels',
  '&__keyspace@0__:secret',
  '-@all',
  '+get',
  '+ping',
  '+subscribe',
  '+unsubscribe',
];

describe('web through its restricted ACL user', () => {
  let redis: TestRedis;
  let admin: ReturnType<typeof adminClient>;

  beforeAll(async () => {
    redis = await startRedis({ config: REDIS_CONFIG });
    const bootstrap = adminClient(redis);
    await bootstrap.acl('SETUSER', ADMIN.username, 'on', `>${ADMIN.password}`, '~*', '&*', '+@all');
    bootstrap.disconnect();

    admin = adminClient(redis, ADMIN);
    await admin.call('ACL', 'SETUSER', ...WEB_ACL);
    // Last, so nothing connects without credentials any more.
    await admin.acl('SETUSER', 'default', 'off');
    await admin.set('secret', 'through-acl');
    await admin.acl('LOG', 'RESET');
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.close();
  });

  it('should serve, cache and follow changes with only GET, PING and (UN)SUBSCRIBE', async () => {
    const web = createWeb(redis, { REDIS_USERNAME: 'web', REDIS_PASSWORD: WEB_PASSWORD });
    try {
      await cacheLive(web);
      expect((await request(web.app).get('/')).text).toBe('Hi there! The secret is through-acl.\n');
      expect((await request(web.app).get('/readyz')).status).toBe(200);

      await admin.set('secret', 'rotated');
      await waitFor(
        'the rotated value',
        async () => {
          return (await request(web.app).get('/')).text === 'Hi there! The secret is rotated.\n';
        },
        1000,
      );

      // Nothing web sent was refused: no ready check, CLIENT SETNAME or SETINFO.
      expect(await admin.acl('LOG')).toEqual([]);
      expect(countLogged(web, 'keyspace subscription refused')).toBe(0);
    } finally {
      await web.close();
    }
  });

  it('should answer 503 and log the auth failure without the password if it is wrong', async () => {
    const wrong = 'wrong-pw-81c2';
    const web = createWeb(redis, { REDIS_USERNAME: 'web', REDIS_PASSWORD: wrong });
    try {
      await waitFor('the auth failure', () => countLogged(web, 'Redis rejected') > 0);
      const res = await request(web.app).get('/');
      const ready = await request(web.app).get('/readyz');

      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: 'secret unavailable', reason: 'redis auth failed' });
      expect(ready.status).toBe(503);
      const line = web.logs.lines().find((entry) => entry.msg.startsWith('Redis rejected'));
      expect(line).toMatchObject({ level: 'error', user: 'web' });
      expect(line?.reason).toMatch(/^WRONGPASS/);
      expect(web.logs.text()).not.toContain(wrong);
      expect(web.logs.text()).not.toContain(WEB_PASSWORD);
    } finally {
      await web.close();
    }
  });
});
