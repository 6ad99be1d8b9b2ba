export { GrantsDirectory, type ConnectedApp } from './grants-directory.service';
export {
  ClientAdministration,
  type ClientSummary,
  type DeleteOutcome,
} from './client-administration.service';
export { GrantUsageRecorder } from './grant-usage';
export { GrantsDirectoryRepository } from './grants-directory.repository';
export { SCOPE_GRANT_POLICY, type ScopeGrantPolicy } from './scope-grant-policy';
