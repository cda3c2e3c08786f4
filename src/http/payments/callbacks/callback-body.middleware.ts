// The callback route's own JSON parser, run after the gate: a forged or misdirected callback is
// refused before its body is read. It keeps the raw bytes (`req.rawBody`): the stored callback is
// exactly what Daraja sent. The app-wide parser skips this path (see http-app.ts).
import { json } from 'express';
import type { IncomingMessage } from 'node:http';
import { JSON_BODY_LIMIT } from '../../../common/json-body-guard';

export const callbackJsonParser = json({
  limit: JSON_BODY_LIMIT,
  verify: (req: IncomingMessage & { rawBody?: Buffer }, _res, buffer: Buffer) => {
    req.rawBody = buffer;
  },
});
