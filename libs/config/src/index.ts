export { loadConfig, ConfigValidationError } from './app-config';
export type { AppConfig, CoreSettings, SignInProviders, RuntimeEnvironment, LogLevel } from './app-config';
export { ConfigModule, APP_CONFIG } from './config.module';
export { CORE_CONFIG, CoreEnvironment } from './core.config';
export {
  defineConfigSlice,
  variableNames,
  toInt,
  blankToUndefined,
  httpUrl,
  list,
  type ConfigSlice,
  type CoreFacts,
  type VariableDoc,
} from './slice';
