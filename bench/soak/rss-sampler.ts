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
 * Mean RSS of the last third of the samples against the first third. A leak at soak
 * rates shows as steady growth; Node's heap settling after start-up stays within the
 * limit: the larger of `floorMiB` and `fraction` of the first third.
 */
export function rssGrowth(name: string, samples: number[], floorMiB = 10, fraction = 0.2): Growth {
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
