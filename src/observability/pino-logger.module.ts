// Nest's logger written as pino JSON, with pino-http's request line and the request's logger for
// every line written while that request is handled. This is the part of nestjs-pino the service
// used; its only release for NestJS 12 (5.x) declares Node >= 22.12, which the supported Node
// range (package.json engines) does not meet.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  DynamicModule,
  Global,
  Inject,
  Injectable,
  LoggerService,
  MiddlewareConsumer,
  Module,
  ModuleMetadata,
  NestModule,
} from '@nestjs/common';
import type { Logger as Pino, Level } from 'pino';
import { HttpLogger, Options as PinoHttpOptions, pinoHttp } from 'pino-http';

export interface LoggerParams {
  /** pino's options and pino-http's (request id, auto logging, serializers); `stream` for tests. */
  pinoHttp: PinoHttpOptions;
}

export interface LoggerModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  // Nest's own provider typing: any injection token.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inject?: any[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  useFactory: (...args: any[]) => LoggerParams | Promise<LoggerParams>;
}

const LOGGER_PARAMS = Symbol('LOGGER_PARAMS');
const HTTP_LOGGER = Symbol('HTTP_LOGGER');

/** The pino logger of the request being handled, if any (pino-http's child, bound to its id). */
const requestLogger = new AsyncLocalStorage<Pino>();

type NestLevel = 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
const PINO_LEVEL: Record<NestLevel, Level> = { log: 'info', error: 'error', warn: 'warn', debug: 'debug', verbose: 'trace', fatal: 'fatal' };

/**
 * Nest's own start-up chatter (a line per module and per route, ~70 in all), kept for debugging:
 * at info a start-up is one line saying where the service is (app/bootstrap.ts).
 */
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** A Nest LoggerService: `app.useLogger(app.get(Logger))`, then every `new Logger(ctx)` writes through pino. */
@Injectable()
export class Logger implements LoggerService {
  constructor(@Inject(HTTP_LOGGER) private readonly http: HttpLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /**
   * Nest passes the context last (`log(message, context)`, `error(message, stack, context)`); an
   * error's stack becomes `err`, an object message's fields are kept as fields.
   */
  private write(level: NestLevel, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    let text: string | undefined;
    if (message instanceof Error) {
      fields.err = message;
      text = message.message;
    } else if (message !== null && typeof message === 'object') {
      Object.assign(fields, message);
    } else {
      text = String(message);
    }
    const stack = rest.find((p): p is string => typeof p === 'string');
    if (level === 'error' && stack !== undefined && fields.err === undefined) fields.err = { stack };
    const logger = requestLogger.getStore() ?? this.http.logger;
    const pinoLevel = level === 'log' && context !== undefined && START_UP_CONTEXTS.has(context) ? 'debug' : PINO_LEVEL[level];
    logger[pinoLevel](fields, text);
  }
}

@Global()
@Module({})
export class LoggerModule implements NestModule {
  constructor(@Inject(HTTP_LOGGER) private readonly http: HttpLogger) {}

  /** The same logger outside Nest's container: for the lines a process writes before its app exists. */
  static standalone(params: LoggerParams): Logger {
    return new Logger(pinoHttp(params.pinoHttp));
  }

  static forRootAsync(options: LoggerModuleAsyncOptions): DynamicModule {
    return {
      module: LoggerModule,
      imports: options.imports ?? [],
      providers: [
        { provide: LOGGER_PARAMS, inject: options.inject ?? [], useFactory: options.useFactory },
        { provide: HTTP_LOGGER, inject: [LOGGER_PARAMS], useFactory: (params: LoggerParams) => pinoHttp(params.pinoHttp) },
        Logger,
      ],
      exports: [Logger],
    };
  }

  /** Every route: the request line when it finishes, and its logger for whatever it logs meanwhile. */
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((req: IncomingMessage, res: ServerResponse, next: () => void) => {
        this.http(req, res);
        requestLogger.run(req.log, next);
      })
      .forRoutes('{*path}');
  }
}
