export { DiscoveryModule } from './discovery.module';
export { DiscoveryDocuments } from './discovery-documents';
export {
  OAUTH_ENDPOINT_PATHS,
  MCP_PATH,
  protectedResourceMetadataUrl,
  authorizationServerMetadataUrl,
  buildAuthorizationServerMetadata,
  buildProtectedResourceMetadata,
} from './metadata';
