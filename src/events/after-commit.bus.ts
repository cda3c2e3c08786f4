// The one after-commit mechanism: whatever must happen because a transaction committed (publish a
// push job, tell the live stream, apply callbacks that waited for a push answer) is emitted inside
// the transaction and handed to its topic's handlers once the commit is done. A rolled-back
// transaction hands over nothing, and a handler that fails is logged: it never undoes the commit
// nor fails the caller. Nothing hooks into the ORM: the bus owns the transactions it tracks.
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { CommitEvents, CommitTopic } from './commit-events';

type Handler<T extends CommitTopic> = (events: readonly CommitEvents[T][]) => unknown;
type Emitted = { [T in CommitTopic]: { topic: T; event: CommitEvents[T] } }[CommitTopic];
/** One event for AfterCommitBus.committed. */
export type CommittedEvent = Emitted;

export class EmitOutsideTransactionError extends Error {
  constructor(topic: string) {
    super(`"${topic}" was emitted outside a transaction of the after-commit bus: use AfterCommitBus.transaction`);
  }
}

/** Where a bus transaction keeps its events: on its own query runner, so transactions never mix. */
const EVENTS_KEY = 'afterCommitEvents';

/**
 * Records an event of the bus transaction `manager` belongs to, for its handlers once it commits.
 * Anywhere else it is refused: with no transaction of the bus, nobody would know whether the change
 * committed. A plain function, so code that holds only the transaction's manager can emit.
 */
export function emitAfterCommit<T extends CommitTopic>(manager: EntityManager, topic: T, event: CommitEvents[T]): void {
  const events = manager.queryRunner?.data?.[EVENTS_KEY] as Emitted[] | undefined;
  if (!events) throw new EmitOutsideTransactionError(topic);
  events.push({ topic, event } as Emitted);
}

@Injectable()
export class AfterCommitBus {
  private readonly logger = new Logger(AfterCommitBus.name);
  private readonly handlers = new Map<CommitTopic, Handler<CommitTopic>[]>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Handlers get a topic's events of one transaction together, in emission order. */
  on<T extends CommitTopic>(topic: T, handler: Handler<T>): void {
    this.handlers.set(topic, [...(this.handlers.get(topic) ?? []), handler as Handler<CommitTopic>]);
  }

  /**
   * Runs `work` in a new transaction. After it commits, its events go to their handlers (awaited,
   * so a request can answer once its push job is published); if it throws, nothing is handed over.
   */
  async transaction<R>(work: (manager: EntityManager) => Promise<R>): Promise<R> {
    const events: Emitted[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      const data = manager.queryRunner!.data as Record<string, unknown>;
      data[EVENTS_KEY] = events;
      try {
        return await work(manager);
      } finally {
        // The query runner goes back to the pool: its next transaction starts with no events.
        delete data[EVENTS_KEY];
      }
    });
    await this.dispatch(events);
    return result;
  }

  /**
   * The events of a change that one statement made outside any transaction of the bus (Postgres
   * commits such a statement on its own, so it is committed once it has answered): handed to their
   * handlers now, as transaction() would have after its commit. Saves a hot path BEGIN and COMMIT.
   */
  async committed(events: readonly CommittedEvent[]): Promise<void> {
    await this.dispatch(events);
  }

  private async dispatch(events: readonly Emitted[]): Promise<void> {
    if (events.length === 0) return;
    const byTopic = new Map<CommitTopic, unknown[]>();
    for (const { topic, event } of events) byTopic.set(topic, [...(byTopic.get(topic) ?? []), event]);
    for (const [topic, topicEvents] of byTopic) {
      for (const handler of this.handlers.get(topic) ?? []) {
        try {
          await handler(topicEvents as never);
        } catch (error) {
          this.logger.error({ err: error, topic, events: topicEvents.length }, 'An after-commit handler failed; the transaction stays committed');
        }
      }
    }
  }
}
