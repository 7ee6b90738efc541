import { Agent } from 'node:http';

import { httpGet } from '../../test-support/http-get.js';

/** One request of the soak, kept small: the body is reduced to the index of its value. */
export interface Outcome {
  id: string;
  startedAt: number;
  endedAt: number;
  /** 0 when no answer came (see `error`). */
  status: number;
  /** Index of the value in the sentence, -1 for a 200 body that is no known sentence. */
  value: number | undefined;
  error?: string;
}

export interface RateDriverOptions {
  port: number;
  perSecond: number;
  /** Requests allowed in flight; one more is counted as skipped rather than sent. */
  maxInFlight: number;
  /** Maps a 200 body to the index of the value it carries, or -1. */
  classify: (body: Buffer) => number;
}

const TICK_MS = 5;

/**
 * GET / at a fixed rate over a pool of keep-alive connections, each request with
 * its own x-request-id (`soak-<n>`). A paused driver sends nothing and, on resume,
 * does not make up for the pause.
 */
export class RateDriver {
  readonly outcomes: Outcome[] = [];
  skipped = 0;
  private sent = 0;
  private due = 0;
  private lastTick = 0;
  private paused = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly agent: Agent;

  constructor(private readonly options: RateDriverOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxInFlight });
  }

  get count(): number {
    return this.sent;
  }

  start(): void {
    this.lastTick = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.lastTick = performance.now();
    this.paused = false;
  }

  /** Resolves once no request is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Stops sending and waits for the last answers. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.idle();
    this.agent.destroy();
  }

  private tick(): void {
    const now = performance.now();
    const elapsed = now - this.lastTick;
    this.lastTick = now;
    if (this.paused) return;

    // Fractions of a request carry over, so the rate holds whatever the timer's jitter.
    this.due += (elapsed * this.options.perSecond) / 1000;
    while (this.due >= 1) {
      this.due -= 1;
      if (this.inFlight.size >= this.options.maxInFlight) {
        this.skipped += 1;
        continue;
      }
      this.send();
    }
  }

  private send(): void {
    this.sent += 1;
    const id = `soak-${this.sent}`;
    const request = httpGet(this.options.port, '/', {
      agent: this.agent,
      headers: { 'x-request-id': id },
    }).then((answer) => {
      this.outcomes.push({
        id,
        startedAt: answer.startedAt,
        endedAt: answer.endedAt,
        status: answer.status,
        value: answer.status === 200 ? this.options.classify(answer.body) : undefined,
        error: answer.error,
      });
      this.inFlight.delete(request);
    });
    this.inFlight.add(request);
  }
}
