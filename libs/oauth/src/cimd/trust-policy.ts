/**
 * AS-REG-06 (MAY use domain trust policies): CIMD_ALLOWED_HOSTS is a list of host suffixes of known
 * client publishers. `example.com` matches example.com and any subdomain of it, never
 * `badexample.com`. Clients from other hosts are still accepted but shown as unverified.
 */
export function isAllowedPublisher(hostname: string, allowedHosts: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return allowedHosts.some((entry) => {
    const suffix = entry
      .toLowerCase()
      .replace(/^\*?\./, '')
      .replace(/\.$/, '');
    return suffix.length > 0 && (host === suffix || host.endsWith(`.${suffix}`));
  });
}
