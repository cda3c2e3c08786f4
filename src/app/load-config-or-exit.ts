import { AppConfig, ConfigurationError, loadAppConfig } from '../config/app-config';

/** Fail fast: a bad variable stops start-up with a message naming it, before anything connects. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadAppConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
