import { request } from 'node:http';

/** Polls an HTTP endpoint until it answers 200, the deadline passes, or `abort` fires. */
export async function waitForReady(
  url: string,
  timeoutMs: number,
  abort: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !abort.aborted) {
    if ((await statusOf(url)) === 200) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function statusOf(url: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
