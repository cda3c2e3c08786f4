// Workers run jobs through @JobHandler methods. At start-up the registry finds them all and checks
// them against the catalogue: every job must have exactly one handler, or the worker refuses to
// start, naming the job, before any BullMQ worker runs (BullModule is set to manual registration
// and the registry registers the workers once the check has passed).
import { BullRegistrar } from '@nestjs/bullmq';
import { Injectable, OnModuleInit, SetMetadata } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { Job, UnrecoverableError } from 'bullmq';
import { JOB_QUEUE, JobName } from './queue-catalogue';

const JOB_HANDLER = Symbol('job-handler');

/** Marks a provider's method as the handler of one catalogue job. */
export const JobHandler = (job: JobName) => SetMetadata(JOB_HANDLER, job);

export interface FoundHandler {
  job: string;
  /** `Class.method`, for messages. */
  owner: string;
}

/** What is wrong between the catalogue's jobs and the handlers found: one line per problem. */
export function handlerProblems(jobs: readonly string[], found: readonly FoundHandler[]): string[] {
  const problems: string[] = [];
  for (const job of jobs) {
    const owners = found.filter((h) => h.job === job).map((h) => h.owner);
    if (owners.length === 0) problems.push(`job "${job}" (queue "${JOB_QUEUE[job as JobName]}") has no @JobHandler`);
    if (owners.length > 1) problems.push(`job "${job}" has ${owners.length} handlers: ${owners.join(', ')}`);
  }
  for (const h of found) if (!jobs.includes(h.job)) problems.push(`${h.owner} handles "${h.job}", which is not in the queue catalogue`);
  return problems;
}

export class JobHandlersError extends Error {
  constructor(problems: string[]) {
    super(`The worker cannot start: ${problems.join('; ')}`);
    this.name = 'JobHandlersError';
  }
}

@Injectable()
export class JobHandlerRegistry implements OnModuleInit {
  private readonly handlers = new Map<string, (job: Job) => Promise<unknown>>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registrar: BullRegistrar,
  ) {}

  onModuleInit(): void {
    const found: (FoundHandler & { run: (job: Job) => Promise<unknown> })[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(prototype)) {
        const fn = instance[method];
        if (typeof fn !== 'function') continue;
        const job = this.reflector.get<string | undefined>(JOB_HANDLER, fn as () => unknown);
        if (job) found.push({ job, owner: `${prototype.constructor.name}.${method}`, run: (j: Job) => (fn as (j: Job) => Promise<unknown>).call(instance, j) });
      }
    }
    const problems = handlerProblems(Object.keys(JOB_QUEUE), found);
    if (problems.length > 0) throw new JobHandlersError(problems);
    for (const h of found) this.handlers.set(h.job, h.run);
    this.registrar.register();
  }

  /** Runs a job's handler; a job the catalogue does not know fails for good. */
  run(job: Job): Promise<unknown> {
    const handler = this.handlers.get(job.name);
    if (!handler) throw new UnrecoverableError(`No handler for job "${job.name}"`);
    return handler(job);
  }
}
