import type { Redis } from 'ioredis';

/** How many GET commands Redis has executed since start, from INFO commandstats. */
export async function getCalls(admin: Redis): Promise<number> {
  const info = await admin.info('commandstats');
  const match = /^cmdstat_get:calls=(\d+)/m.exec(info);
  return match ? Number(match[1]) : 0;
}
