import { rssMiB } from '../lib/rss.js';

/** RSS in MiB of named processes, sampled every second; a name maps to its current pid. */
export class RssSampler {
  readonly samples = new Map<string, number[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: () => Promise<Record<string, number | undefined>>) {}

  start(): void {
    this.timer = setInterval(() => void this.sample(), 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async sample(): Promise<void> {
    for (const [name, pid] of Object.entries(await this.pids())) {
      const rss = pid === undefined ? Number.NaN : rssMiB(pid);
      if (Number.isNaN(rss)) continue;
      const list = this.samples.get(name) ?? [];
      list.push(rss);
      this.samples.set(name, list);
    }
  }
}

export interface Growth {
  name: string;
  samples: number;
  firstThirdMiB: number;
  lastThirdMiB: number;
  growthMiB: number;
  limitMiB: number;
  ok: boolean;
}

/**
 * Mean RSS of the last third of the samples against the first third. V8 grows its
 * heap in steps and returns memory only after a major collection, so a healthy Node
 * process swings by 15-25 MiB within a minute (web at 200 requests/s, measured with
 * this script: up from 80 to 95 MiB in one 60 s run, back to 70 MiB in a 240 s run).
 * The limit, the larger of `floorMiB` and `fraction` of the first third, sits above
 * that swing: a 60 s run catches only a fast leak; a longer SOAK_SECONDS widens the gap
 * a steady leak makes while the swing stays the same.
 */
export function rssGrowth(name: string, samples: number[], floorMiB = 24, fraction = 0.25): Growth {
  const third = Math.max(1, Math.floor(samples.length / 3));
  const mean = (values: number[]): number =>
    values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  const firstThirdMiB = mean(samples.slice(0, third));
  const lastThirdMiB = mean(samples.slice(-third));
  const growthMiB = lastThirdMiB - firstThirdMiB;
  const limitMiB = Math.max(floorMiB, firstThirdMiB * fraction);
  return {
    name,
    samples: samples.length,
    firstThirdMiB,
    lastThirdMiB,
    growthMiB,
    limitMiB,
    ok: samples.length >= 3 && growthMiB <= limitMiB,
  };
}
