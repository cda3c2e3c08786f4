// Refuses parsed JSON bodies that no route of this API can use and that would otherwise fail with
// a 500 deep inside (both found by the security fuzzer, issue 8):
// - nested deeper than any request needs: walking them recursively (class-transformer in the
//   validation pipe, the idempotency hash) overflows the stack;
// - holding a NUL character (U+0000) or a lone surrogate (`"\ud800"`, not Unicode at all) in any
//   key or string: Postgres cannot store them in text or jsonb; a callback carrying one could never
//   be applied and would be retried for ever.
import type { NextFunction, Request, Response } from 'express';

/** Callbacks and API bodies are small; anything larger is refused with 413 before it is parsed. */
export const JSON_BODY_LIMIT = '64kb';

/** Daraja's callback is 5 levels deep and the API's DTOs 2; anything past this is not ours. */
export const MAX_JSON_DEPTH = 32;

export type JsonBodyProblem = 'too-deep' | 'unstorable-text' | null;

/** NUL, or a UTF-16 surrogate that is not half of a pair (with the u flag only those match). */
const UNSTORABLE = /\u0000|\p{Cs}/u;

/** Whether Postgres can hold the text at all: a path parameter that cannot names no stored row. */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** What is wrong with a parsed JSON value, if anything; iterative, stops at the first problem. */
export function jsonBodyProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonBodyProblem {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) return 'unstorable-text';
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > maxDepth) return 'too-deep';
    for (const [key, child] of Object.entries(current as object)) {
      if (UNSTORABLE.test(key)) return 'unstorable-text';
      stack.push({ value: child, depth: depth + 1 });
    }
  }
  return null;
}

const MESSAGES: Record<Exclude<JsonBodyProblem, null>, string> = {
  'too-deep': `Request body is nested more than ${MAX_JSON_DEPTH} levels deep`,
  'unstorable-text': 'Request body must not contain NUL characters (\\u0000) or unpaired surrogates',
};

/** Express middleware, after the JSON body parser. */
export function refuseUnusableJson(request: Request, response: Response, next: NextFunction): void {
  const problem = request.body !== null && typeof request.body === 'object' ? jsonBodyProblem(request.body) : null;
  if (problem) {
    response.status(400).json({ statusCode: 400, code: 'VALIDATION_FAILED', message: MESSAGES[problem] });
    return;
  }
  next();
}
