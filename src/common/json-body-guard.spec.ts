import { jsonBodyProblem } from './json-body-guard';

const nestedArrays = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('jsonBodyProblem', () => {
  it('counts objects and arrays alike, scalars not at all', () => {
    expect(jsonBodyProblem(1, 0)).toBeNull();
    expect(jsonBodyProblem('text', 0)).toBeNull();
    expect(jsonBodyProblem({}, 0)).toBe('too-deep');
    expect(jsonBodyProblem({}, 1)).toBeNull();
    expect(jsonBodyProblem({ a: [{ b: 1 }] }, 3)).toBeNull();
    expect(jsonBodyProblem({ a: [{ b: 1 }] }, 2)).toBe('too-deep');
  });

  it('accepts a Daraja callback at the default limit', () => {
    const callback = { Body: { stkCallback: { CallbackMetadata: { Item: [{ Name: 'Amount', Value: 1 }, { Name: 'Balance' }] } } } };
    expect(jsonBodyProblem(callback)).toBeNull();
  });

  it('measures bodies far deeper than the stack would allow to walk recursively', () => {
    expect(jsonBodyProblem(nestedArrays(32))).toBeNull();
    expect(jsonBodyProblem(nestedArrays(33))).toBe('too-deep');
    expect(jsonBodyProblem(nestedArrays(200_000))).toBe('too-deep');
  });

  it('finds a NUL character or an unpaired surrogate in any string or key, however deep', () => {
    expect(jsonBodyProblem({ patientName: 'a\u0000b' })).toBe('unstorable-text');
    expect(jsonBodyProblem({ a: [{ b: ['x', 'y\u0000'] }] })).toBe('unstorable-text');
    expect(jsonBodyProblem(JSON.parse('{"k\\u0000": 1}'))).toBe('unstorable-text');
    expect(jsonBodyProblem(JSON.parse('{"ResultCode": "\\ud800"}'))).toBe('unstorable-text');
    expect(jsonBodyProblem({ x: 'low \udc00 alone' })).toBe('unstorable-text');
    expect(jsonBodyProblem({ reason: 'tab\tand newline\n, accents é and emoji 😀 are fine' })).toBeNull();
  });
});
