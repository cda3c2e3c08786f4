// Provides the process's validated AppConfig, loaded once at start-up (loadConfigOrExit), to every
// module through @nestjs/config under one token, as one typed object. Tests pass their own config
// object here instead of mutating process.env.
import { DynamicModule, Inject, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule, getConfigToken, registerAs } from '@nestjs/config';
import type { AppConfig } from './app-config';

const NAMESPACE = 'app';

/** The injection token: `inject: [appConfig.KEY]`. */
export const appConfig = { KEY: getConfigToken(NAMESPACE) } as const;

/** Parameter decorator: `@InjectAppConfig() private readonly config: AppConfig`. */
export const InjectAppConfig = () => Inject(appConfig.KEY);

// Global like logging: every module may read the configuration.
@Module({})
export class AppConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppConfigModule,
      global: true,
      imports: [NestConfigModule.forRoot({ ignoreEnvFile: true, load: [registerAs(NAMESPACE, () => config)], isGlobal: true })],
      exports: [NestConfigModule],
    };
  }
}
