// Entities and migrations owned by OAuthModule. Migration timestamps for this lib: 17642xxxxxxxx, 17644xxxxxxxx.
import { AccessTokenEntity } from './entities/access-token.entity';
import { AuthorizationCodeEntity } from './entities/authorization-code.entity';
import { AuthorizationRequestEntity } from './entities/authorization-request.entity';
import { ConsentEntity } from './entities/consent.entity';
import { GrantEntity } from './entities/grant.entity';
import { OAuthClientEntity } from './entities/oauth-client.entity';
import { RateLimitBucketEntity } from './entities/rate-limit-bucket.entity';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { CreateOAuthTables1764200000000 } from './migrations/1764200000000-CreateOAuthTables';
import { CreateCimdDocuments1764260000000 } from './migrations/1764260000000-CreateCimdDocuments';
import { CimdDocumentEntity } from './cimd/cimd-document.entity';
import { AddGrantLastUsedAndClientDisabled1764250000000 } from './migrations/1764250000000-AddGrantLastUsedAndClientDisabled';
import { TokenEndpointHotPath1764270000000 } from './migrations/1764270000000-TokenEndpointHotPath';
import { ConsentHardening1764280000000 } from './migrations/1764280000000-ConsentHardening';
import { CreateJwtIds1764400000000 } from './migrations/1764400000000-CreateJwtIds';
import { AddGrantGrantedByIssuer1764400000100 } from './migrations/1764400000100-AddGrantGrantedByIssuer';
import { JwtIdEntity } from './jose/jwt-id.entity';
import { MachineClients1764410000000 } from './migrations/1764410000000-MachineClients';
import { RecordCoveredTools1764420000000 } from './migrations/1764420000000-RecordCoveredTools';
import { ToolDeclarationEntity } from './tool-coverage/tool-declaration.entity';

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const OAUTH_ENTITIES: Function[] = [
  OAuthClientEntity,
  AuthorizationRequestEntity,
  ConsentEntity,
  GrantEntity,
  AuthorizationCodeEntity,
  AccessTokenEntity,
  RefreshTokenEntity,
  RateLimitBucketEntity,
  CimdDocumentEntity,
  JwtIdEntity,
  ToolDeclarationEntity,
];
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const OAUTH_MIGRATIONS: Function[] = [
  CreateOAuthTables1764200000000,
  AddGrantLastUsedAndClientDisabled1764250000000,
  CreateCimdDocuments1764260000000,
  TokenEndpointHotPath1764270000000,
  ConsentHardening1764280000000,
  CreateJwtIds1764400000000,
  AddGrantGrantedByIssuer1764400000100,
  MachineClients1764410000000,
  RecordCoveredTools1764420000000,
];
