/**
 * Domains a block list must never contain, because blocking them would cut
 * endpoints off from their own protection and management: Windows Update,
 * Defender for Endpoint, Microsoft Entra sign-in, Intune, the Microsoft 365
 * core, Windows activation and certificate revocation (CRL/OCSP). Together
 * with every catalog app marked `noise` (OS updates, PKI, telemetry, CDNs,
 * captive-portal checks, time), this is the allow-list the exporters apply.
 *
 * Compiled from Microsoft's published endpoint lists: "Configure your network
 * environment to ensure connectivity with Defender for Endpoint service"
 * (standard and streamlined URL lists), "Microsoft 365 URLs and IP address
 * ranges" (Optimize/Allow, required), "Network endpoints for Microsoft Intune"
 * and the Windows Update and activation endpoint notes. Wildcard entries of
 * those lists (`*.wd.microsoft.com`) appear here as zones.
 *
 * Two strengths, because a zone like `sharepoint.com` holds both the
 * organisation's own tenant and anyone else's:
 * - `zone`: the domain and everything under it is protected;
 * - `exact`: only the name itself is protected, so a block on it or on any
 *   parent (which would cover it) is refused, while a block on a sibling or
 *   child (`other-tenant.sharepoint.com`) is allowed.
 */
import type { Catalog } from '../catalog/types';

export interface ProtectedDomain {
  domain: string;
  scope: 'zone' | 'exact';
  /** The service it belongs to, as the exclusion note names it. */
  service: string;
}

const zone = (service: string, ...domains: string[]): ProtectedDomain[] =>
  domains.map((domain) => ({ domain, scope: 'zone', service }));
const exact = (service: string, ...domains: string[]): ProtectedDomain[] =>
  domains.map((domain) => ({ domain, scope: 'exact', service }));

export const NEVER_BLOCK: readonly ProtectedDomain[] = [
  ...zone(
    'Windows Update',
    'windowsupdate.com',
    'update.microsoft.com',
    'windowsupdate.microsoft.com',
    'delivery.mp.microsoft.com',
    'dsp.mp.microsoft.com',
    'wustat.windows.com',
    'emdl.ws.microsoft.com',
  ),
  ...zone(
    'Microsoft Defender for Endpoint',
    'security.microsoft.com',
    'securitycenter.microsoft.com',
    'securitycenter.windows.com',
    'wd.microsoft.com',
    'wdcp.microsoft.com',
    'wdcpalt.microsoft.com',
    'definitionupdates.microsoft.com',
    'smartscreen.microsoft.com',
    'smartscreen-prod.microsoft.com',
    'checkappexec.microsoft.com',
    'urs.microsoft.com',
    'events.data.microsoft.com',
    'ods.opinsights.azure.com',
    'oms.opinsights.azure.com',
    'winatp-gw-cus.microsoft.com',
    'winatp-gw-eus.microsoft.com',
    'winatp-gw-weu.microsoft.com',
    'winatp-gw-neu.microsoft.com',
    'winatp-gw-uks.microsoft.com',
    'winatp-gw-ukw.microsoft.com',
    'winatp-gw-aus.microsoft.com',
    'winatp-gw-aue.microsoft.com',
    'go.microsoft.com',
  ),
  // Defender uploads samples and fetches packages through Azure Storage; customer
  // containers under it stay blockable one by one.
  ...exact('Microsoft Defender for Endpoint', 'blob.core.windows.net'),
  ...zone(
    'Microsoft Entra ID',
    'microsoftonline.com',
    'microsoftonline-p.com',
    'login.microsoft.com',
    'login.windows.net',
    'login.live.com',
    'msauth.net',
    'msftauth.net',
    'graph.microsoft.com',
    'graph.windows.net',
    'enterpriseregistration.windows.net',
    'autologon.microsoftazuread-sso.com',
    'account.activedirectory.windowsazure.com',
  ),
  ...zone('Microsoft Intune', 'manage.microsoft.com', 'dm.microsoft.com'),
  ...zone(
    'Microsoft 365',
    'office365.com',
    'office.net',
    'outlook.office.com',
    'www.office.com',
    'config.office.com',
    'officeclient.microsoft.com',
    'officeapps.live.com',
    'officecdn.microsoft.com',
  ),
  ...exact(
    'Microsoft 365',
    'office.com',
    'sharepoint.com',
    'teams.microsoft.com',
    'lync.com',
    'autodiscover-s.outlook.com',
  ),
  ...zone('Windows activation', 'sls.microsoft.com', 'licensing.mp.microsoft.com'),
  ...zone(
    'Certificate revocation (CRL/OCSP)',
    'crl.microsoft.com',
    'mscrl.microsoft.com',
    'oneocsp.microsoft.com',
    'msocsp.com',
    'ctldl.windowsupdate.com',
    'ocsp.identrust.com',
    'crl.identrust.com',
  ),
  // Microsoft's PKI repository lives under www.microsoft.com/pkiops: a domain block on it cannot spare the path.
  ...exact('Certificate revocation (CRL/OCSP)', 'www.microsoft.com'),
];

/** The allow-list: the fixed entries plus every domain of the catalog's infrastructure-noise apps. */
export function neverBlockList(catalog: Catalog | null): ProtectedDomain[] {
  const out = [...NEVER_BLOCK];
  for (const app of catalog?.apps ?? []) {
    if (!app.noise) continue;
    for (const d of app.domains) out.push({ domain: d.toLowerCase(), scope: 'zone', service: app.name });
  }
  return out;
}

/** Answers "may this domain be blocked?" against an allow-list in a few map lookups. */
export class NeverBlock {
  /** Protected domain → its entry. */
  private readonly byDomain = new Map<string, ProtectedDomain>();
  /** Every proper parent of a protected domain → one protected domain it would cover. */
  private readonly parents = new Map<string, ProtectedDomain>();

  constructor(list: readonly ProtectedDomain[]) {
    for (const p of list) {
      const prev = this.byDomain.get(p.domain);
      // A zone is the stronger claim; keep it when the same domain is listed twice.
      if (!prev || (prev.scope === 'exact' && p.scope === 'zone')) this.byDomain.set(p.domain, p);
      let s = p.domain;
      for (let dot = s.indexOf('.'); dot >= 0; dot = s.indexOf('.')) {
        s = s.slice(dot + 1);
        if (!this.parents.has(s)) this.parents.set(s, p);
      }
    }
  }

  /**
   * Which protected domain stands in the way of blocking `domain` (normalised),
   * and how: it is that domain, it lies inside a protected zone, or a block on
   * it would cover a protected name below it. Null when it may be blocked.
   */
  check(domain: string): { entry: ProtectedDomain; relation: 'self' | 'within' | 'covers' } | null {
    const self = this.byDomain.get(domain);
    if (self) return { entry: self, relation: 'self' };
    let s = domain;
    for (let dot = s.indexOf('.'); dot >= 0; dot = s.indexOf('.')) {
      s = s.slice(dot + 1);
      const z = this.byDomain.get(s);
      if (z?.scope === 'zone') return { entry: z, relation: 'within' };
    }
    const covered = this.parents.get(domain);
    if (covered) return { entry: covered, relation: 'covers' };
    return null;
  }
}
