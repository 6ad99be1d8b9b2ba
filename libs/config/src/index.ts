export { loadConfig, ConfigValidationError } from './app-config';
export type {
  AppConfig,
  RuntimeEnvironment,
  LogLevel,
  GithubProviderConfig,
  GoogleProviderConfig,
  OidcProviderConfig,
  EmailLoginConfig,
} from './app-config';
export { ConfigModule, APP_CONFIG } from './config.module';
export { ENVIRONMENT_VARIABLE_NAMES, EnvironmentVariables } from './environment';
