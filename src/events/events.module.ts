// The after-commit bus, for the domain modules whose transactions tell others what committed.
import { Module } from '@nestjs/common';
import { AfterCommitBus } from './after-commit.bus';

@Module({ providers: [AfterCommitBus], exports: [AfterCommitBus] })
export class EventsModule {}
