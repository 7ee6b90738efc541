import { sentence } from '../../runner/test/support/sentence.js';

export interface Swap {
  value: string;
  /** When the version started to be written and when `..data` pointed to it. */
  writeStartedAt: number;
  swappedAt: number;
}

/**
 * Every value the Secret held during the soak, in order, and the rule for which of
 * them an answer may carry: value i is current from the start of its write until
 * value i+1 has had `lagMs` (the 1 s rotation goal) to reach web.
 */
export class SecretHistory {
  readonly swaps: Swap[] = [];
  private readonly bySentence = new Map<string, number>();

  constructor(private readonly lagMs: number) {}

  /** Registers a value about to be written; returns its index. */
  add(value: string, writeStartedAt: number): number {
    this.swaps.push({ value, writeStartedAt, swappedAt: Number.NaN });
    this.bySentence.set(sentence(value), this.swaps.length - 1);
    return this.swaps.length - 1;
  }

  swapped(index: number, at: number): void {
    this.swaps[index]!.swappedAt = at;
  }

  /** The index of the value a 200 body carries, or -1 when it is no whole sentence. */
  classify(body: Buffer): number {
    return this.bySentence.get(body.toString('utf8')) ?? -1;
  }

  isCurrent(index: number, startedAt: number, endedAt: number): boolean {
    const swap = this.swaps[index];
    if (!swap) return false;
    const next = this.swaps[index + 1];
    const until = next ? next.swappedAt + this.lagMs : Infinity;
    return endedAt >= swap.writeStartedAt && startedAt <= until;
  }
}
