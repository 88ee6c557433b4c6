/**
 * The cloud app catalog's shapes. Catalog data lives in `data/*.json`, one file
 * per category group, validated by `schema.test.ts`.
 *
 * Facts only: an attribute absent from `attributes` is unknown. Every known
 * attribute is backed by an entry in `sources` (a vendor trust/compliance page,
 * or "well known" for facts such as a public company's headquarters).
 */

export type RiskGroup = 'general' | 'security' | 'compliance' | 'legal';

/** How a known value scores: each attribute scores 10 (good) or 0 (bad). */
export type AttributeRule =
  | { kind: 'true-good' } // boolean: true is good, false is bad
  | { kind: 'false-good' } // boolean: false is good (e.g. "known breach")
  | { kind: 'list-nonempty-good' } // string list: known and non-empty is good (data center countries)
  | { kind: 'min-version'; min: string } // TLS: at least this version is good
  | { kind: 'older-than-years'; years: number } // date: older than N years before the catalog date is good (domain registration)
  | { kind: 'not-within-years'; years: number } // date: within N years before the catalog date is bad (last breach)
  | { kind: 'text-known-good' }; // text: a stated policy is good

export type AttributeValueType = 'boolean' | 'string-list' | 'version' | 'date' | 'text';

export interface AttributeDef {
  id: string;
  label: string;
  group: RiskGroup;
  type: AttributeValueType;
  rule: AttributeRule;
  /** One sentence an analyst reads on the app page: why this attribute matters and how it scores. */
  explanation: string;
}

export type AttributeValue = boolean | string | string[];

export interface AppSource {
  /** Attribute ids (or "hq", "founded", "holding") this source backs. */
  covers: string[];
  /** A URL of the vendor's own page, or the literal "well known". */
  url: string;
}

export type Holding = 'public' | 'private' | 'unknown';

export interface CatalogApp {
  /** Stable id, kebab-case, never reused: e.g. "google-drive". */
  id: string;
  name: string;
  vendor: string;
  category: string;
  homepage: string;
  /** Hostnames or registrable domains the app is reached on, lowercase. */
  domains: string[];
  /** Optional IPv4/IPv6 CIDR ranges owned by the app. */
  ips?: string[];
  /** ISO 3166-1 alpha-2 country of headquarters, or null. */
  hq: string | null;
  founded: number | null;
  holding: Holding;
  /** Known attribute values only; absent = unknown. */
  attributes: Record<string, AttributeValue>;
  sources: AppSource[];
  /** Infrastructure noise (OS updates, CRL/OCSP, telemetry, CDNs, captive-portal checks). */
  noise?: boolean;
  /** Set by the loader on user-defined apps; never present in data files (the schema refuses it). */
  custom?: boolean;
  /** The analyst's notes on a custom app; never present in data files. */
  notes?: string;
}

export interface CatalogFile {
  version: string;
  /** ISO date the catalog was compiled; date rules are evaluated against it. */
  date: string;
  apps: CatalogApp[];
}

/**
 * A user-defined app: an internal service, or an unidentified domain promoted to
 * an app. Its id is `custom-<slug of name>` (see `customAppId` in loader.ts).
 */
export interface CustomApp {
  /**
   * Optional: the id assigned when the app was created, kept so tags and overrides
   * stay attached if the name changes. Absent, the loader derives `custom-<slug>`.
   */
  id?: string;
  name: string;
  domains: string[];
  /** IPv4/IPv6 CIDR ranges (a bare address is a /32 or /128). */
  ips: string[];
  category: string;
  notes: string;
}

/**
 * The catalog the engine works with: every data file merged, then the custom
 * apps (tagged "Custom app"). Plain data, so it crosses the worker boundary.
 */
export interface Catalog {
  /** Version of the newest data file. */
  version: string;
  /** ISO date of the newest data file; score date rules are evaluated against it. */
  date: string;
  /** Built-in apps, then custom apps (`custom: true`). */
  apps: CatalogApp[];
}
