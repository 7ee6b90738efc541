/**
 * The errors a request can end in. Each carries its HTTP status and a short public
 * message; `code` goes to the request log. The error middleware maps them in one place.
 */
export abstract class HttpError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;

  /** Extra response headers the status requires (Allow on a 405). */
  get headers(): Record<string, string> {
    return {};
  }

  /** The JSON body a client sees: never a stack, never a secret. */
  body(): Record<string, string> {
    return { error: this.message };
  }
}

export class NotFoundError extends HttpError {
  readonly status = 404;
  readonly code = 'not_found';

  constructor(readonly path: string) {
    super('not found');
  }
}

export class MethodNotAllowedError extends HttpError {
  readonly status = 405;
  readonly code = 'method_not_allowed';

  constructor(
    readonly method: string,
    readonly allowed: readonly string[],
  ) {
    super('method not allowed');
  }

  override get headers(): Record<string, string> {
    return { Allow: this.allowed.join(', ') };
  }
}

export class MalformedUrlError extends HttpError {
  readonly status = 400;
  readonly code = 'malformed_url';

  constructor(readonly url: string) {
    super('malformed URL');
  }
}

/** Why the secret could not be read; the text is what a client and the log see. */
export type UnavailableReason =
  | 'redis unreachable'
  | 'redis timeout'
  | 'redis auth failed'
  | 'redis refused the command'
  | 'secret key missing';

/** The log form of a reason: `redis timeout` -> `redis_timeout`. */
export function reasonCode(reason: UnavailableReason): string {
  return reason.replaceAll(' ', '_');
}

export class SecretUnavailableError extends HttpError {
  readonly status = 503;

  constructor(
    readonly reason: UnavailableReason,
    /** Redis's reply or the client's error text, for the log only. */
    readonly detail?: string,
  ) {
    super('secret unavailable');
  }

  get code(): string {
    return reasonCode(this.reason);
  }

  override body(): Record<string, string> {
    return { error: this.message, reason: this.reason };
  }
}
