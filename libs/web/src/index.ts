export { WebModule } from './web.module';
export { PageRenderer, type PageOptions } from './page-renderer';
export {
  jsonReply,
  JSON_UTF8,
  type BodyKind,
  type EdgeReply,
  type EdgeRequest,
  type EdgeRoute,
  type RequestBody,
} from './http/edge-route';
export { BODY_LIMIT_BYTES, readBody } from './http/body-reader';
export { serveRoute, writeReply } from './http/serve-route';
export { bearerToken, MALFORMED_BEARER, NO_BEARER, type BearerCredentials } from './http/bearer-credentials';
