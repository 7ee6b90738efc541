import { Agent } from 'node:http';

import { httpGet, type Answer } from '../../../test-support/http-get.js';

export interface ClientsOptions {
  port: number;
  clients: number;
  durationMs: number;
  path?: string;
}

/**
 * `clients` loops, each sending GET one after the other over its own keep-alive
 * connection until durationMs has passed; resolves with every answer in the order
 * they came.
 */
export async function runClients(options: ClientsOptions): Promise<Answer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  const answers: Answer[] = [];
  const deadline = Date.now() + options.durationMs;
  let sequence = 0;

  const client = async (): Promise<void> => {
    while (Date.now() < deadline) {
      const headers = { 'x-request-id': `load-${(sequence += 1)}` };
      answers.push(await httpGet(options.port, options.path ?? '/', { agent, headers }));
    }
  };
  try {
    await Promise.all(Array.from({ length: options.clients }, client));
  } finally {
    agent.destroy();
  }
  return answers;
}

export interface PacedOptions {
  port: number;
  perSecond: number;
  /** The x-request-id of request n (1-based). */
  requestId: (n: number) => string;
  path?: string;
}

/** Requests sent at a fixed rate, each on a new connection, until stop() is called. */
export interface PacedRequests {
  readonly sent: number;
  /** Stops sending; resolves with every answer once the last one is in. */
  stop(): Promise<Map<string, Answer>>;
}

export function pacedRequests(options: PacedOptions): PacedRequests {
  const answers = new Map<string, Answer>();
  const inFlight = new Set<Promise<void>>();
  const startedAt = Date.now();
  let sent = 0;

  // Catch up on ticks the timer missed, so the rate holds on a busy machine.
  const timer = setInterval(() => {
    const due = Math.floor(((Date.now() - startedAt) * options.perSecond) / 1000);
    while (sent < due) {
      sent += 1;
      const id = options.requestId(sent);
      const request = httpGet(options.port, options.path ?? '/', {
        headers: { 'x-request-id': id },
      }).then((answer) => {
        answers.set(id, answer);
        inFlight.delete(request);
      });
      inFlight.add(request);
    }
  }, 5);

  return {
    get sent() {
      return sent;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return answers;
    },
  };
}
