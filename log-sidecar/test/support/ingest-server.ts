import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the server does with one request, decided by its number (1-based). */
export type Reply = 'accept' | 'destroy' | number;

export interface IngestRequest {
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
  reply: Reply;
}

/**
 * A log receiver on 127.0.0.1: records every request and answers as `plan` says, so a test
 * can fail deliveries with a status or a dropped connection.
 */
export class IngestServer {
  readonly requests: IngestRequest[] = [];
  private readonly server = createServer((request, response) => this.handle(request, response));

  constructor(private readonly plan: (attempt: number) => Reply) {}

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/ingest`;
  }

  /** The lines of every body the server accepted, in arrival order. */
  acceptedLines(): string[] {
    return this.requests
      .filter((request) => request.reply === 'accept')
      .flatMap((request) => request.body.split('\n').slice(0, -1));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const reply = this.plan(this.requests.length + 1);
      this.requests.push({
        contentType: request.headers['content-type'],
        authorization: request.headers.authorization,
        body: Buffer.concat(chunks).toString('utf8'),
        reply,
      });

      if (reply === 'destroy') {
        request.socket.destroy();
        return;
      }
      const status = reply === 'accept' ? 204 : reply;
      response.writeHead(status, status === 503 ? { 'retry-after': '0' } : {}).end();
    });
  }
}
