import { ReplyError, type Redis } from 'ioredis';

import type { SecretEntry, SecretSnapshot } from './secret-reader.js';

/** Redis refused part of a seed. Names the file and line and Redis's reply, never a value. */
export class SeedError extends Error {
  constructor(
    readonly place: string,
    readonly reply: string,
    /** True when Redis applied the other commands of the transaction (a runtime error). */
    readonly partial: boolean,
  ) {
    super(`${place}: Redis refused the command: ${reply}`);
    this.name = 'SeedError';
  }
}

/** What one apply changed, by key name (keys are names, never values). */
export interface SeedResult {
  written: string[];
  deleted: string[];
  unchanged: number;
  keys: number;
}

interface AppliedEntry {
  digest: string;
  /** Keys this file wrote, as `latin1` strings so that any bytes round-trip. */
  keys: Set<string>;
}

interface Planned {
  entry: SecretEntry;
  keys: Set<string>;
  changed: boolean;
}

/** Where a queued command came from, to name it when Redis refuses it. */
type Origin = string;

// Redis 7.0 answers COMMAND GETKEYS for a command without keys (PING) with this error.
const NO_KEYS = /has no key arguments/;

/**
 * Writes Secret snapshots into one Redis, remembering which file wrote which keys.
 *
 * Key tracking: a value file writes the key named like the file. A command file's
 * keys are what Redis itself reports for each of its commands (COMMAND GETKEYS),
 * so any command works, not only the SET family; this also makes Redis check each
 * command's name and arity before anything is written. Keys that no file of the
 * new snapshot writes any more are deleted. A changed command file first has its
 * old and new keys deleted, then its commands run, so that it defines those keys
 * whole (re-running RPUSH would otherwise append twice).
 *
 * Everything goes in one MULTI/EXEC: a client of Redis sees the old or the new
 * Secret, never a mix. Redis aborts the whole transaction when it refuses a command
 * as it is queued; an error while EXEC runs (WRONGTYPE) cannot be rolled back by
 * Redis, which then applied the rest: SeedError.partial says so.
 */
export class Seeder {
  private applied = new Map<string, AppliedEntry>();

  constructor(private readonly client: Redis) {}

  async apply(snapshot: SecretSnapshot): Promise<SeedResult> {
    const planned = await this.plan(snapshot);
    const keep = new Set(planned.flatMap((item) => [...item.keys]));
    const deleted = [...this.applied.values()]
      .flatMap((applied) => [...applied.keys])
      .filter((key) => !keep.has(key));

    const multi = this.client.multi();
    const origins: Origin[] = [];
    const queue = (origin: Origin, name: string, args: Buffer[]): void => {
      multi.call(name, ...args);
      origins.push(origin);
    };

    if (deleted.length > 0) queue('deleting removed keys', 'DEL', deleted.map(toBuffer));
    for (const item of planned.filter((candidate) => candidate.changed)) {
      this.queueEntry(item, queue);
    }

    const results = await multi.exec().catch((error: Error) => {
      if (!isRedisReply(error)) throw error;
      throw new SeedError('MULTI/EXEC', redactReply(error.message), false);
    });
    this.remember(planned);

    const failure = (results ?? []).findIndex(([error]) => error);
    if (failure !== -1) {
      for (const item of planned.filter((candidate) => candidate.changed)) {
        this.forget(item.entry.name);
      }
      const [error] = results![failure]!;
      throw new SeedError(origins[failure] ?? 'MULTI/EXEC', redactReply(error!.message), true);
    }

    const written = planned.filter((item) => item.changed).flatMap((item) => [...item.keys]);
    return {
      written: written.map(toName),
      deleted: deleted.map(toName),
      unchanged: planned.filter((item) => !item.changed).length,
      keys: keep.size,
    };
  }

  private queueEntry(item: Planned, queue: (origin: Origin, name: string, args: Buffer[]) => void) {
    const { entry } = item;
    if (entry.kind === 'value') {
      queue(entry.path, 'SET', [Buffer.from(entry.name), entry.value]);
      return;
    }

    const previous = this.applied.get(entry.name)?.keys ?? new Set<string>();
    const stale = new Set([...previous, ...item.keys]);
    if (stale.size > 0) queue(entry.path, 'DEL', [...stale].map(toBuffer));

    for (const command of entry.commands) {
      const [name, ...args] = command.args;
      queue(`${entry.path}, line ${command.line}`, name!.toString('latin1'), args);
    }
  }

  private async plan(snapshot: SecretSnapshot): Promise<Planned[]> {
    const planned: Planned[] = [];
    for (const entry of snapshot.entries) {
      const applied = this.applied.get(entry.name);
      if (applied && applied.digest === entry.digest) {
        planned.push({ entry, keys: applied.keys, changed: false });
      } else {
        planned.push({ entry, keys: await this.keysOf(entry), changed: true });
      }
    }
    return planned;
  }

  private async keysOf(entry: SecretEntry): Promise<Set<string>> {
    if (entry.kind === 'value') return new Set([Buffer.from(entry.name).toString('latin1')]);

    const pipeline = this.client.pipeline();
    for (const command of entry.commands)
      pipeline.callBuffer('COMMAND', 'GETKEYS', ...command.args);
    const replies = (await pipeline.exec()) ?? [];

    const keys = new Set<string>();
    for (const [index, [error, reply]] of replies.entries()) {
      if (error && !isRedisReply(error)) throw error;
      if (error && NO_KEYS.test(error.message)) continue;
      if (error) {
        const place = `${entry.path}, line ${entry.commands[index]?.line}`;
        throw new SeedError(place, redactReply(error.message), false);
      }
      for (const key of reply as Buffer[]) keys.add(key.toString('latin1'));
    }
    return keys;
  }

  private remember(planned: readonly Planned[]): void {
    this.applied = new Map(
      planned.map((item) => [item.entry.name, { digest: item.entry.digest, keys: item.keys }]),
    );
  }

  /** Makes the next apply rewrite the entry, keeping its keys known for deletion. */
  private forget(name: string): void {
    const applied = this.applied.get(name);
    if (applied) applied.digest = '';
  }
}

/**
 * Redis quotes the arguments of a command it does not know ("unknown command 'x',
 * with args beginning with: 'v'"): those could be secret values.
 */
export function redactReply(reply: string): string {
  return reply.replace(/'[^']*'/g, "'…'");
}

/** An error Redis answered with, as opposed to a connection that failed. */
function isRedisReply(error: Error): boolean {
  return error instanceof ReplyError;
}

function toBuffer(key: string): Buffer {
  return Buffer.from(key, 'latin1');
}

function toName(key: string): string {
  return Buffer.from(key, 'latin1').toString('utf8');
}
