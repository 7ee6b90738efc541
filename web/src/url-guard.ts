import type { RequestHandler } from 'express';

import { MalformedUrlError } from './http-errors.js';

/**
 * Node's parser passes `/%` and `/%E0%A4%A` through; decoding them later would throw
 * a URIError, so they are answered 400 up front. Only URLs with a `%` pay for the check.
 */
export const rejectMalformedUrl: RequestHandler = (req, _res, next) => {
  if (!req.url.includes('%')) return next();

  const path = req.url.split('?', 1)[0] ?? '';
  try {
    decodeURIComponent(path);
  } catch {
    return next(new MalformedUrlError(req.url));
  }
  next();
};
