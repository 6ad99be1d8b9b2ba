-- Generated from libs/oauth/src/token/conditions (do not edit): the token endpoint statements whose
-- WHERE is built from the condition lists. Rewrite with
--   npm run build && node dist/libs/oauth/src/token/conditions/generated-sql.spec.js --write

-- oauth_redeem_code_and_issue (CodeRepository.redeemCodeAndIssue)
WITH redeemed AS (
           UPDATE oauth_authorization_codes c SET consumed_at = now()
             FROM oauth_grants g
            WHERE c.code_hash = $1 AND g.id = c.grant_id
              AND (c.consumed_at IS NULL) -- code not redeemed
              AND (c.expires_at > now()) -- code not expired
              AND (c.client_id = $2) -- client matches
              AND (c.redirect_uri = $4::text OR ($4::text IS NULL AND NOT c.redirect_uri_provided)) -- redirect_uri matches
              AND (c.code_challenge = $3) -- PKCE verifier matches
              AND ($5::text IS NULL OR c.resource = $5::text) -- resource matches
              AND (g.revoked_at IS NULL) -- grant not revoked
            RETURNING c.id, c.grant_id, c.user_id, c.scopes, c.resource, g.approved_at
         ), access AS (
           INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at)
           SELECT $6, $7, grant_id, $2, user_id, scopes, resource, now() + make_interval(secs => $8)
             FROM redeemed
         ), refresh AS (
           INSERT INTO oauth_refresh_tokens (id, token_hash, grant_id, client_id, user_id, expires_at)
           SELECT $9::uuid, $10::bytea, grant_id, $2, user_id,
                  -- never beyond the grant's end (GRANT_MAX_LIFETIME after the approval)
                  LEAST(now() + make_interval(secs => $11::int), approved_at + make_interval(secs => $13::int))
             FROM redeemed WHERE $9::uuid IS NOT NULL
         ), event AS (
           INSERT INTO "audit_events" ("type", "user_id", "client_id", "grant_id", "ip", "detail")
           SELECT 'token.issued', user_id, $2, grant_id, $12, jsonb_build_object('grantType', 'authorization_code', 'scopes', scopes, 'refreshToken', $9::uuid IS NOT NULL)
             FROM redeemed
         )
         SELECT id, grant_id AS "grantId", user_id AS "userId", scopes, resource FROM redeemed
;

-- oauth_rotate_refresh_token (RefreshTokenRepository.rotateRefreshToken)
WITH consumed AS (
           UPDATE oauth_refresh_tokens rt
              SET consumed_at = now(), replaced_by = $3, grace_response = $4
             FROM oauth_grants g
            WHERE rt.token_hash = $1 AND g.id = rt.grant_id
              AND (rt.client_id = $2) -- client matches
              AND (rt.consumed_at IS NULL) -- refresh token not consumed
              AND (g.revoked_at IS NULL) -- grant not revoked
              AND (g.approved_at > now() - make_interval(secs => $13)) -- grant within GRANT_MAX_LIFETIME
              AND (rt.expires_at > now()) -- refresh token not expired
              AND ($5::text IS NULL OR g.resource = $5::text) -- resource matches
            RETURNING rt.id, rt.grant_id, rt.user_id, g.scopes, g.resource, g.approved_at
         ), access AS (
           INSERT INTO oauth_access_tokens (id, token_hash, grant_id, client_id, user_id, scopes, audience, expires_at)
           SELECT $6, $7, grant_id, $2, user_id, COALESCE($8::text[], scopes), resource,
                  now() + make_interval(secs => $9)
             FROM consumed
         ), successor AS (
           INSERT INTO oauth_refresh_tokens (id, token_hash, grant_id, client_id, user_id, expires_at)
           SELECT $3, $10, grant_id, $2, user_id,
                  LEAST(now() + make_interval(secs => $11), approved_at + make_interval(secs => $13))
             FROM consumed
         ), event AS (
           INSERT INTO "audit_events" ("type", "user_id", "client_id", "grant_id", "ip", "detail")
           SELECT 'refresh.rotated', user_id, $2, grant_id, $12, jsonb_build_object('scopes', COALESCE($8::text[], scopes))
             FROM consumed
         )
         SELECT id, grant_id AS "grantId", user_id AS "userId", scopes AS "grantScopes", resource FROM consumed
;

-- RefreshTokenRepository.liveRefreshGrantScopes
SELECT g.scopes FROM oauth_refresh_tokens rt JOIN oauth_grants g ON g.id = rt.grant_id
        WHERE rt.token_hash = $1
          AND (rt.client_id = $2) -- client matches
          AND (rt.consumed_at IS NULL) -- refresh token not consumed
          AND (g.revoked_at IS NULL) -- grant not revoked
          AND (g.approved_at > now() - make_interval(secs => $4)) -- grant within GRANT_MAX_LIFETIME
          AND (rt.expires_at > now()) -- refresh token not expired
          AND ($3::text IS NULL OR g.resource = $3::text) -- resource matches
;
