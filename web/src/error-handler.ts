import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';

import { HttpError, MalformedUrlError, NotFoundError } from './http-errors.js';
import { sendJson } from './respond.js';

export const notFound: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(req.path));
};

/**
 * The one place where errors become responses: typed errors give their status and
 * JSON body; anything else is a 500 with a fixed body, its stack going to the log only.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const mapped = toHttpError(error, req.originalUrl);

    if (!mapped) {
      logger.error(
        { err: error, url: req.originalUrl },
        'unexpected error while handling a request',
      );
    }
    res.locals.errorCode = mapped?.code ?? 'internal';

    // A response already under way cannot change its status; cut it short instead.
    if (res.headersSent) {
      res.destroy();
      return;
    }

    if (!mapped) return sendJson(res, 500, { error: 'internal error' });
    sendJson(res, mapped.status, mapped.body(), mapped.headers);
  };
}

function toHttpError(error: unknown, url: string): HttpError | undefined {
  if (error instanceof HttpError) return error;

  // Express' router marks a parameter it cannot decode as a 400 URIError.
  if (error instanceof URIError) return new MalformedUrlError(url);
  return undefined;
}
