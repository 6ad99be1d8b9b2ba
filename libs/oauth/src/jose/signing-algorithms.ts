/**
 * The JWS algorithms a JWT signed by someone else may use here (RFC 7518 §3.1, RFC 8037, RFC 9864):
 * asymmetric signatures only, so the signer keeps its private key and we verify with the public one it
 * publishes. `none` is no signature, and the HS* family would take a public key as an HMAC secret (the
 * key-confusion attack, RFC 8725 §2.1), so neither is ever accepted. Client assertions
 * (private_key_jwt) and ID-JAGs share this list.
 */
export const ASYMMETRIC_SIGNING_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
