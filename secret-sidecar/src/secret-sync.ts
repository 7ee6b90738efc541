import type { Logger } from 'pino';

import { CommandParseError } from './command-parser.js';
import type { SeedFailureReason, SidecarMetrics } from './metrics.js';
import { readSecret, SecretReadError, type SecretSnapshot } from './secret-reader.js';
import { SeedError, type Seeder, type SeedResult } from './seeder.js';

/**
 * Follows the Secret after the first seed: reads it whole, applies it when its
 * fingerprint differs from the last version applied, and keeps the previous values
 * when a version cannot be read or is refused. Each distinct failure is logged and
 * counted once; the next change or poll tries again.
 */
export class SecretSync {
  /** The last version Redis holds in full: what a restarted Redis is seeded with. */
  applied: SecretSnapshot | undefined;
  private lastFailure: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly metrics: SidecarMetrics,
  ) {}

  /** Seeds a fresh Redis with the snapshot; throws what the seeder throws. */
  async seed(seeder: Seeder, snapshot: SecretSnapshot): Promise<void> {
    let result: SeedResult;
    try {
      result = await seeder.apply(snapshot);
    } catch (error) {
      this.count(error as Error);
      throw error;
    }
    this.applied = snapshot;
    this.metrics.seeded('applied', result.keys);
    this.metrics.upToDate(true);
    logSkipped(this.logger, snapshot);
    this.logger.info({ keys: result.keys, written: result.written }, 'Secret seeded into Redis');
  }

  /** Applies the Secret if it changed since the last good apply; whole or not at all. */
  async sync(seeder: Seeder): Promise<void> {
    let snapshot: SecretSnapshot;
    try {
      snapshot = await readSecret(this.dir);
    } catch (error) {
      this.report(error as Error, (error as Error).message);
      return;
    }
    if (snapshot.fingerprint === this.applied?.fingerprint) {
      // A refused version was rolled back to the one Redis holds: nothing to write, but the
      // Secret and Redis agree again.
      if (this.lastFailure !== undefined) {
        this.lastFailure = undefined;
        this.metrics.upToDate(true);
        this.logger.info('Secret is back to the version Redis holds');
      }
      return;
    }
    if (snapshot.fingerprint === this.lastFailure) return;

    try {
      const result = await seeder.apply(snapshot);
      this.applied = snapshot;
      this.lastFailure = undefined;
      this.metrics.seeded('applied', result.keys);
      this.metrics.upToDate(true);
      logSkipped(this.logger, snapshot);
      this.logger.info({ ...result }, 'Secret rotation applied');
    } catch (error) {
      this.report(error as Error, snapshot.fingerprint);
    }
  }

  private report(error: Error, key: string): void {
    const refused = error instanceof SeedError;
    const unusable = error instanceof SecretReadError || error instanceof CommandParseError;
    if (!refused && !unusable) {
      // Redis went away in the middle: the restart seeds it and looks again.
      this.count(error);
      this.logger.warn({ err: error }, 'could not apply the Secret; will try again');
      return;
    }
    if (key === this.lastFailure) return;

    this.lastFailure = key;
    this.count(error);
    this.metrics.upToDate(false);
    const partial = refused && error.partial;
    // Redis now holds part of the refused version, so no version is applied whole: the next
    // good one is written even if it equals the last one.
    if (partial) this.applied = undefined;
    this.logger.warn(
      { error: error.message, partial },
      partial
        ? 'Redis refused part of the new Secret and applied the rest; will apply the next change'
        : 'new Secret not applied, Redis keeps the previous values; will apply the next change',
    );
  }

  /** Counts one failure, by reason and, for a version Redis was given, by outcome. */
  private count(error: Error): void {
    const reason = failureReason(error);
    this.metrics.seedFailed(reason);
    if (error instanceof SeedError) this.metrics.seeded(error.partial ? 'partial' : 'rejected');
    else if (reason === 'command_file_invalid') this.metrics.seeded('rejected');
  }
}

function failureReason(error: Error): SeedFailureReason {
  if (error instanceof SecretReadError) return 'secret_unreadable';
  if (error instanceof CommandParseError) return 'command_file_invalid';
  if (error instanceof SeedError) return 'redis_refused';
  return 'redis_unavailable';
}

function logSkipped(logger: Logger, snapshot: SecretSnapshot): void {
  if (snapshot.skipped.length === 0) return;
  logger.warn({ skipped: snapshot.skipped }, 'Secret entries that are not files are skipped');
}
