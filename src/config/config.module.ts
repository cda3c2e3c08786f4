// Exposes the validated AppConfig through @nestjs/config so every module injects one typed object.
import { Global, Inject, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule, registerAs } from '@nestjs/config';
import { loadAppConfig } from './app-config';

export const appConfig = registerAs('app', () => loadAppConfig(process.env));

/** Parameter decorator: `@InjectAppConfig() private readonly config: AppConfig`. */
export const InjectAppConfig = () => Inject(appConfig.KEY);

@Global()
@Module({
  imports: [NestConfigModule.forRoot({ ignoreEnvFile: true, load: [appConfig], isGlobal: true })],
  exports: [NestConfigModule],
})
export class AppConfigModule {}
