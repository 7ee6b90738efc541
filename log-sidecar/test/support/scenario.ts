import { mkdir } from 'node:fs/promises';

import { tempDirs, type TempDirs } from './log-files.js';
import { ShipperProcess } from './shipper-process.js';

/**
 * One test's temporary LOG_DIR and STATE_DIR and the shippers it started; cleanup() kills
 * whatever is still running and removes the directories.
 */
export class Scenario {
  private readonly shippers: ShipperProcess[] = [];

  private constructor(readonly dirs: TempDirs) {}

  static async create(options: { createLogDir?: boolean } = {}): Promise<Scenario> {
    const dirs = await tempDirs();
    if (options.createLogDir !== false) await mkdir(dirs.logDir, { recursive: true });
    return new Scenario(dirs);
  }

  get logDir(): string {
    return this.dirs.logDir;
  }

  get stateDir(): string {
    return this.dirs.stateDir;
  }

  async start(env: Record<string, string> = {}): Promise<ShipperProcess> {
    const shipper = await ShipperProcess.start({
      LOG_DIR: this.dirs.logDir,
      STATE_DIR: this.dirs.stateDir,
      ...env,
    });
    this.shippers.push(shipper);
    return shipper;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.shippers.map((shipper) => shipper.kill()));
    await this.dirs.remove();
  }
}

/** Every element of `values` exactly once, whatever the order. */
export function sortedNumbers(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function isIncreasing(values: readonly number[]): boolean {
  return values.every((value, index) => index === 0 || value > (values[index - 1] as number));
}
