import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../catalog/builtin';
import { loadCatalog } from '../catalog/loader';
import { applyTagChange, type TagState } from '../catalog/tags';
import type { AppRow } from '../engine/query';
import { checkBlockDomain, collapseDomains, planBlocking, tagStateLine } from './block-plan';
import { NEVER_BLOCK, NeverBlock, neverBlockList } from './never-block';

const catalog = loadCatalog(BUILTIN_CATALOG, []);

function tag(pairs: [string, string][]): TagState {
  let s: TagState = {};
  for (const [id, t] of pairs) s = applyTagChange(s, { appIds: [id], add: [t], who: 't', when: 0 }).state;
  return s;
}

function appRow(key: string, over: Partial<AppRow> = {}): AppRow {
  return {
    key,
    appId: key.startsWith('?') ? null : key,
    name: key,
    category: 'Cloud storage',
    score: 5,
    noData: false,
    tags: [],
    noise: false,
    users: 2,
    ips: 2,
    devices: 3,
    domains: [],
    transactions: 120,
    blocked: 0,
    upload: null,
    download: null,
    traffic: null,
    firstSeen: Date.UTC(2026, 9, 1),
    lastSeen: Date.UTC(2026, 9, 3),
    ...over,
  };
}

describe('checkBlockDomain', () => {
  it.each([
    ['Dropbox.com.', 'dropbox.com'],
    ['files.example.co.uk', 'files.example.co.uk'],
    ['xn--mnchen-3ya.de', 'xn--mnchen-3ya.de'],
    ['münchen.de', 'xn--mnchen-3ya.de'],
  ])('accepts %s as %s', (raw, want) => {
    expect(checkBlockDomain(raw)).toEqual({ ok: true, domain: want });
  });

  it.each([
    ['*.dropbox.com', /wildcard/],
    ['https://dropbox.com/s/abc', /URL/],
    ['dropbox.com/path', /URL/],
    ['10.0.0.0/8', /CIDR/],
    ['2001:db8::/32', /CIDR/],
    ['192.0.2.10', /IP address/],
    ['[2001:db8::1]', /IP address/],
    ['intranet', /single-label/],
    ['co.uk', /public suffix/],
    ['com', /single-label/],
    ['bad_label.example.com', /not a valid hostname/],
    ['-lead.example.com', /not a valid hostname/],
    ['host.123', /numeric top level/],
    ['example.com:443', /not a valid hostname/],
    ['', /empty/],
    ['  ', /empty/],
  ])('refuses %s', (raw, why) => {
    const r = checkBlockDomain(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(why);
  });
});

describe('collapseDomains', () => {
  it('drops names a listed parent covers, keeps siblings', () => {
    expect(collapseDomains(['www.a.com', 'a.com', 'x.b.com', 'y.b.com', 'a.com'])).toEqual([
      'a.com',
      'x.b.com',
      'y.b.com',
    ]);
  });
});

describe('NeverBlock', () => {
  const nb = new NeverBlock(NEVER_BLOCK);
  it('protects zones, their subdomains and every parent that would cover them', () => {
    expect(nb.check('windowsupdate.com')?.relation).toBe('self');
    expect(nb.check('download.windowsupdate.com')?.relation).toBe('within');
    expect(nb.check('microsoft.com')?.relation).toBe('covers');
    expect(nb.check('microsoftonline.com')?.entry.service).toBe('Microsoft Entra ID');
    expect(nb.check('login.microsoftonline.com')?.relation).toBe('within');
  });
  it('keeps exact entries exact: other tenants under sharepoint.com stay blockable', () => {
    expect(nb.check('sharepoint.com')?.relation).toBe('self');
    expect(nb.check('othertenant.sharepoint.com')).toBeNull();
    expect(nb.check('evil.blob.core.windows.net')).toBeNull();
    expect(nb.check('core.windows.net')?.relation).toBe('covers');
  });
  it('leaves ordinary apps and Microsoft consumer services alone', () => {
    expect(nb.check('dropbox.com')).toBeNull();
    expect(nb.check('copilot.microsoft.com')).toBeNull();
    expect(nb.check('outlook.live.com')).toBeNull();
  });
  it('adds every domain of the catalog noise apps', () => {
    const list = neverBlockList(catalog);
    const withNoise = new NeverBlock(list);
    expect(withNoise.check('ocsp.digicert.com')).not.toBeNull();
    expect(withNoise.check('a1.akamaiedge.net')?.relation).toBe('within');
    expect(list.length).toBeGreaterThan(NEVER_BLOCK.length + 50);
  });
});

describe('planBlocking', () => {
  it('blocks catalog and observed domains of unsanctioned apps, warns on monitored ones', () => {
    const tags = tag([
      ['dropbox', 'Unsanctioned'],
      ['wetransfer', 'Monitored'],
      ['box', 'Sanctioned'],
    ]);
    const plan = planBlocking({
      catalog,
      tags,
      apps: [
        appRow('dropbox', { name: 'Dropbox', score: 6.25, domains: ['dropbox.com', 'www.dropbox.com', '162.125.1.1'] }),
      ],
    });
    const dropbox = plan.entries.filter((e) => e.appKey === 'dropbox');
    expect(dropbox.map((e) => e.domain)).toEqual([
      'dropbox.com',
      'dropboxapi.com',
      'dropboxusercontent.com',
      'dropboxstatic.com',
      'db.tt',
      'getdropbox.com',
      'www.dropbox.com',
    ]);
    expect(dropbox.every((e) => e.sanction === 'Unsanctioned')).toBe(true);
    expect(dropbox.at(-1)?.origin).toBe('observed');
    expect(dropbox[0].score).toBe(6.25);
    expect(dropbox[0].usage?.transactions).toBe(120);
    const wt = plan.entries.filter((e) => e.appKey === 'wetransfer');
    expect(wt.map((e) => e.domain)).toEqual(['wetransfer.com', 'we.tl']);
    expect(wt[0].sanction).toBe('Monitored');
    expect(wt[0].usage).toBeNull();
    expect(plan.excluded).toEqual([
      expect.objectContaining({ domain: '162.125.1.1', kind: 'ip', reason: expect.stringMatching(/IP address/) }),
    ]);
    expect(plan.entries.some((e) => e.appKey === 'box')).toBe(false);
    expect(plan.tagState.unsanctioned).toEqual(['Dropbox']);
    expect(plan.tagState.monitored).toEqual(['WeTransfer']);
    expect(plan.tagState.sanctioned).toBe(1);
  });

  it('never blocks Microsoft and infrastructure services, and says why', () => {
    const plan = planBlocking({
      catalog,
      tags: tag([
        ['azure-storage', 'Unsanctioned'],
        ['windows-update', 'Unsanctioned'],
        ['microsoft-teams', 'Unsanctioned'],
      ]),
    });
    const domains = plan.entries.map((e) => e.domain);
    expect(domains).not.toContain('blob.core.windows.net');
    expect(domains).not.toContain('windowsupdate.com');
    expect(domains).not.toContain('teams.microsoft.com');
    // Consumer Teams and the storage zones Defender does not depend on remain blockable.
    expect(domains).toContain('teams.live.com');
    expect(domains).toContain('file.core.windows.net');
    const why = (d: string) => plan.excluded.find((x) => x.domain === d)?.reason;
    expect(why('blob.core.windows.net')).toMatch(/never blocked: Microsoft Defender for Endpoint/);
    expect(why('windowsupdate.com')).toMatch(/infrastructure service \(Windows Update\)/);
    expect(why('teams.microsoft.com')).toMatch(/Microsoft 365/);
    expect(plan.excluded.every((x) => x.kind === 'protected')).toBe(true);
  });

  it('refuses a block that would cut off a sanctioned app', () => {
    const plan = planBlocking({
      catalog,
      tags: tag([
        ['?corp-share.example', 'Unsanctioned'],
        ['?slack.com', 'Unsanctioned'],
        ['?files.corp-share.example', 'Sanctioned'],
        ['slack', 'Sanctioned'],
      ]),
    });
    expect(plan.entries).toEqual([]);
    const why = (d: string) => plan.excluded.find((x) => x.domain === d)?.reason;
    expect(why('corp-share.example')).toBe(
      'a block on it would also cover files.corp-share.example, used by sanctioned app files.corp-share.example',
    );
    expect(why('slack.com')).toBe('also serves sanctioned app Slack');
    expect(plan.excluded.every((x) => x.kind === 'sanctioned')).toBe(true);
  });

  it('takes the registrable domain of an unidentified entry tagged by domain, and never an IP', () => {
    const plan = planBlocking({
      catalog,
      tags: tag([
        ['?shadyfiles.example', 'Unsanctioned'],
        ['?203.0.113.9', 'Unsanctioned'],
      ]),
      apps: [appRow('?shadyfiles.example', { name: 'shadyfiles.example', domains: ['a.shadyfiles.example'] })],
    });
    expect(plan.entries.map((e) => [e.domain, e.origin])).toEqual([['shadyfiles.example', 'tagged']]);
    expect(plan.excluded.map((x) => x.domain)).toEqual(['203.0.113.9']);
  });

  it('keeps a domain shared by an unsanctioned and a monitored app as a block', () => {
    const plan = planBlocking({
      catalog,
      tags: tag([
        ['?share.example', 'Monitored'],
        ['?share.example', 'Unsanctioned'],
        ['?other.example', 'Monitored'],
      ]),
    });
    expect(plan.entries.map((e) => [e.domain, e.sanction])).toEqual([
      ['share.example', 'Unsanctioned'],
      ['other.example', 'Monitored'],
    ]);
  });

  it('fingerprints the tag state, so two exports tell their tag states apart', () => {
    const a = planBlocking({ catalog, tags: tag([['dropbox', 'Unsanctioned']]) });
    const b = planBlocking({ catalog, tags: tag([['dropbox', 'Monitored']]) });
    const a2 = planBlocking({ catalog, tags: tag([['dropbox', 'Unsanctioned']]) });
    expect(a.tagState.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(a.tagState.fingerprint).not.toBe(b.tagState.fingerprint);
    expect(a.tagState.fingerprint).toBe(a2.tagState.fingerprint);
    expect(tagStateLine(a.tagState)).toContain('1 unsanctioned app(s): Dropbox');
  });

  it('notes an app id that the catalog does not know', () => {
    const plan = planBlocking({ catalog, tags: tag([['retired-app', 'Unsanctioned']]) });
    expect(plan.entries).toEqual([]);
    expect(plan.excluded[0]).toMatchObject({ domain: 'retired-app', reason: 'the app is not in the catalog' });
  });
});
