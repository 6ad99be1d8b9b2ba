/** A provider's client id and secret come together: one without the other is a mistake worth naming. */
export function credentialPairProblems(
  id: string | undefined,
  secret: string | undefined,
  prefix: string,
): string[] {
  if (id && !secret) return [`${prefix}_CLIENT_SECRET is required when ${prefix}_CLIENT_ID is set`];
  if (!id && secret) return [`${prefix}_CLIENT_ID is required when ${prefix}_CLIENT_SECRET is set`];
  return [];
}
