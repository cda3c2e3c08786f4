// The TypeORM CLI's data source (npm run migration:run); the options come from the app's own factory.
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadAppConfig } from './src/config/app-config';
import { buildDataSourceOptions } from './src/database/data-source-options';

export default new DataSource(buildDataSourceOptions(loadAppConfig(process.env).databaseUrl));
