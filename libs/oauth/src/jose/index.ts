export { fetchJson, JsonFetchError, type JsonFetcher, type JsonFetchOptions } from './json-fetch';
export {
  RemoteJwksCache,
  REMOTE_JWKS_OPTIONS,
  JwksUnavailableError,
  type JwksSource,
  type RemoteJwksOptions,
} from './remote-jwks';
export { JwtIdRegistry } from './jwt-id-registry';
