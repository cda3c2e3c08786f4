import { handlerProblems } from './job-handler.registry';
import { JOB_QUEUE } from './queue-catalogue';

const ALL = Object.keys(JOB_QUEUE);
const one = (job: string, owner = `Handlers.${job}`) => ({ job, owner });

describe('handlerProblems (every catalogue job has exactly one handler)', () => {
  it('finds nothing wrong when each job has one handler', () => {
    expect(handlerProblems(ALL, ALL.map((job) => one(job)))).toEqual([]);
  });

  it('names a job without a handler, and its queue', () => {
    expect(handlerProblems(ALL, ALL.filter((j) => j !== 'payment-sweep').map((job) => one(job)))).toEqual([
      'job "payment-sweep" (queue "payment-sweep") has no @JobHandler',
    ]);
  });

  it('names a job with two handlers, and both owners', () => {
    expect(handlerProblems(ALL, [...ALL.map((job) => one(job)), one('send-stk-push', 'Other.send')])).toEqual([
      'job "send-stk-push" has 2 handlers: Handlers.send-stk-push, Other.send',
    ]);
  });

  it('names a handler of a job the catalogue does not have', () => {
    expect(handlerProblems(ALL, [...ALL.map((job) => one(job)), one('send-sms', 'Sms.send')])).toEqual([
      'Sms.send handles "send-sms", which is not in the queue catalogue',
    ]);
  });
});
