import type { Logger } from 'pino';

import { CommandParseError } from './command-parser.js';
import { readSecret, SecretReadError, type SecretSnapshot } from './secret-reader.js';
import { SeedError, type Seeder } from './seeder.js';

/**
 * Follows the Secret after the first seed: reads it whole, applies it when its
 * fingerprint differs from the last version applied, and keeps the previous values
 * when a version cannot be read or is refused. Each distinct failure is logged once;
 * the next change or poll tries again.
 */
export class SecretSync {
  /** The last version Redis holds in full: what a restarted Redis is seeded with. */
  applied: SecretSnapshot | undefined;
  private lastFailure: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Seeds a fresh Redis with the snapshot; throws what the seeder throws. */
  async seed(seeder: Seeder, snapshot: SecretSnapshot): Promise<void> {
    const result = await seeder.apply(snapshot);
    this.applied = snapshot;
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
    if (snapshot.fingerprint === this.applied?.fingerprint) return;
    if (snapshot.fingerprint === this.lastFailure) return;

    try {
      const result = await seeder.apply(snapshot);
      this.applied = snapshot;
      this.lastFailure = undefined;
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
      this.logger.warn({ err: error }, 'could not apply the Secret; will try again');
      return;
    }
    if (key === this.lastFailure) return;

    this.lastFailure = key;
    const partial = refused && error.partial;
    this.logger.warn(
      { error: error.message, partial },
      partial
        ? 'Redis refused part of the new Secret and applied the rest; will apply the next change'
        : 'new Secret not applied, Redis keeps the previous values; will apply the next change',
    );
  }
}

function logSkipped(logger: Logger, snapshot: SecretSnapshot): void {
  if (snapshot.skipped.length === 0) return;
  logger.warn({ skipped: snapshot.skipped }, 'Secret entries that are not files are skipped');
}
