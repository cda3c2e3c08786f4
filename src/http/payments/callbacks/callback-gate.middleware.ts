// Runs before the body is even parsed: the secret path token (constant-time) and the optional
// source allowlist. A wrong token looks exactly like an unknown route. Mounted by PaymentsHttpModule
// on the callback path (and by LedgerHttpModule on the Daraja results path, whose token is followed
// by the result's kind), so every process that serves such a route also gates it, and no process
// that does not serve it has the gate to forget.
import { createHash, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import type { MpesaConfig } from '../../../config/app-config';

export const CALLBACK_PATH_PREFIX = '/api/stk-callback';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

function buildAllowlist(entries: readonly string[]): BlockList | null {
  if (entries.length === 0) return null;
  const list = new BlockList();
  for (const entry of entries) {
    const [address, prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** Express gives "::ffff:1.2.3.4" for IPv4 peers on a dual-stack socket. */
export function normaliseAddress(address: string | undefined): string | null {
  if (!address) return null;
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** A malformed escape (`%E0%A4%A`) is simply not the token; decodeURIComponent would throw (a 500). */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return '';
  }
}

/** Routing ignores case (Express's default), so the gate must too, or `/API/STK-CALLBACK/…` slips by. */
export function isCallbackPath(url: string, prefix: string = CALLBACK_PATH_PREFIX): boolean {
  return url.slice(0, prefix.length).toLowerCase() === prefix;
}

/** The path after the prefix, from the original URL: independent of where it is mounted. */
function pathAfterPrefix(req: Request, prefix: string): string {
  const url = req.originalUrl ?? req.url;
  const query = url.indexOf('?');
  const path = query >= 0 ? url.slice(0, query) : url;
  return isCallbackPath(path, prefix) ? path.slice(prefix.length) : path;
}

export interface CallbackGateOptions {
  /** lower-case path the gate is mounted on; CALLBACK_PATH_PREFIX by default */
  prefix?: string;
  /** path segments the route has after the token (the results route's `:kind`); 0 by default */
  segmentsAfterToken?: number;
}

export function createCallbackGate(mpesa: MpesaConfig, options: CallbackGateOptions = {}) {
  const prefix = options.prefix ?? CALLBACK_PATH_PREFIX;
  const segmentCount = 1 + (options.segmentsAfterToken ?? 0);
  const expected = digest(mpesa.callbackToken);
  const allowlist = buildAllowlist(mpesa.callbackAllowedIps);

  return (req: Request, res: Response, next: NextFunction): void => {
    const segments = pathAfterPrefix(req, prefix).split('/').filter(Boolean);
    const presented = segments.length === segmentCount ? safeDecode(segments[0]) : '';
    if (!timingSafeEqual(digest(presented), expected)) {
      res.status(404).json({ statusCode: 404, code: 'NOT_FOUND', message: `Cannot ${req.method} ${prefix}` });
      return;
    }
    if (allowlist) {
      const source = normaliseAddress(req.ip ?? req.socket.remoteAddress);
      const type = source && isIP(source) === 6 ? 'ipv6' : 'ipv4';
      if (!source || !allowlist.check(source, type)) {
        res.status(403).json({ statusCode: 403, code: 'FORBIDDEN', message: 'Callbacks are not accepted from this address' });
        return;
      }
    }
    next();
  };
}
