import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Responses are written with writeHead/end: no ETag hashing, no content sniffing work. */
const COMMON_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
} as const;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers: OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendText(res: ServerResponse, body: Buffer): void {
  res.writeHead(200, {
    ...COMMON_HEADERS,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': body.length,
  });
  res.end(body);
}

/**
 * The greeting with its request id, for the fast path. The header object is reused:
 * writeHead copies it into the header block before it returns.
 */
const greetingHeaders: Record<string, string | number> = {
  ...COMMON_HEADERS,
  'Content-Type': 'text/plain; charset=utf-8',
  'Content-Length': 0,
  'X-Request-Id': '',
};

export function writeGreeting(res: ServerResponse, body: Buffer, reqId: string): void {
  greetingHeaders['Content-Length'] = body.length;
  greetingHeaders['X-Request-Id'] = reqId;
  res.writeHead(200, greetingHeaders);
  res.end(body);
}
