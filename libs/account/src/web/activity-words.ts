/** Plain words for the audit event types a person sees on /account/activity. */
const WORDS: Readonly<Record<string, string>> = {
  'signin.succeeded': 'Signed in',
  'signin.refused': 'Sign-in refused',
  'signin.logout': 'Signed out',
  'consent.granted': 'Allowed an application',
  'consent.denied': 'Denied an application',
  'code.issued': 'Authorization code issued',
  'code.replay_detected': 'Authorization code replay blocked',
  'token.issued': 'Access token issued',
  'refresh.rotated': 'Access renewed',
  'refresh.grace_replay': 'Access renewed (retry)',
  'refresh.reuse_detected': 'Stolen token suspected: access revoked',
  'token.revoked': 'Token revoked by the application',
  'grant.revoked': 'Access revoked',
  'tool.called': 'Tool used',
  'user.disabled': 'Account disabled',
  'upstream.disconnected': 'Disconnected an upstream account',
  'user.enabled': 'Account enabled',
  'client.disabled': 'Disabled an application (admin)',
  'client.enabled': 'Enabled an application (admin)',
  'client.deleted': 'Deleted an application (admin)',
};

export function describeEvent(type: string, detail?: Record<string, unknown> | null): string {
  // EXT-EMA-08: a token a company IdP granted (ID-JAG) says so.
  if (type === 'token.issued' && typeof detail?.grantedBy === 'string') {
    return 'Access granted through your company identity provider';
  }
  return WORDS[type] ?? type;
}
