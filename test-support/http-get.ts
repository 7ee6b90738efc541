import { request, type Agent, type IncomingHttpHeaders } from 'node:http';

/** One HTTP exchange as a client saw it; `status` 0 means no answer (see `error`). */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Date.now() when the request was sent and when the answer (or error) came. */
  startedAt: number;
  endedAt: number;
  error?: string;
}

export interface GetOptions {
  method?: string;
  headers?: Record<string, string>;
  /** false (the default) opens a new connection for this request. */
  agent?: Agent | false;
  timeoutMs?: number;
}

/** Sends one request to 127.0.0.1:port; never rejects, a failure is an Answer with status 0. */
export function httpGet(port: number, path: string, options: GetOptions = {}): Promise<Answer> {
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const failed = (error: NodeJS.ErrnoException): void =>
      resolve({
        status: 0,
        headers: {},
        body: Buffer.alloc(0),
        startedAt,
        endedAt: Date.now(),
        error: error.code ?? error.message,
      });

    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: options.agent ?? false,
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', failed);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            startedAt,
            endedAt: Date.now(),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', failed);
    req.end();
  });
}

/** A GET answered, its body as text and its X-Request-Id; rejects with the error's code. */
export async function getText(
  port: number,
  path = '/',
): Promise<{ status: number; body: string; id: string }> {
  const answer = await httpGet(port, path);
  if (answer.error !== undefined) {
    throw Object.assign(new Error(`GET ${path}: ${answer.error}`), { code: answer.error });
  }
  return {
    status: answer.status,
    body: answer.body.toString('utf8'),
    id: String(answer.headers['x-request-id']),
  };
}
