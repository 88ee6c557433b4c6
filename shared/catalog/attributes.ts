/**
 * The risk attributes the score is built from, in the four groups analysts know
 * from the cloud product. Ids are stable: catalog data and saved weights use them.
 */
import type { AttributeDef } from './types';

const t = { kind: 'true-good' } as const;

export const ATTRIBUTES: readonly AttributeDef[] = [
  // General
  { id: 'dataCenters', label: 'Data center locations', group: 'general', type: 'string-list', rule: { kind: 'list-nonempty-good' }, explanation: 'Countries where the vendor stores data; known locations are good, unknown cannot be assessed.' },
  { id: 'disasterRecovery', label: 'Disaster recovery plan', group: 'general', type: 'boolean', rule: t, explanation: 'The vendor publishes a disaster recovery / business continuity plan.' },
  { id: 'consumerPopular', label: 'Consumer popularity', group: 'general', type: 'boolean', rule: t, explanation: 'Widely used and established service (large public user base).' },
  { id: 'domainRegistered', label: 'Domain registration date', group: 'general', type: 'date', rule: { kind: 'older-than-years', years: 3 }, explanation: 'Primary domain registered more than 3 years before the catalog date is good; young domains are a risk.' },
  // Security
  { id: 'mfa', label: 'Multi-factor authentication', group: 'security', type: 'boolean', rule: t, explanation: 'Supports multi-factor authentication for users.' },
  { id: 'saml', label: 'SAML', group: 'security', type: 'boolean', rule: t, explanation: 'Supports SAML single sign-on with the organisation identity provider.' },
  { id: 'encryptionAtRest', label: 'Data-at-rest encryption', group: 'security', type: 'boolean', rule: t, explanation: 'Customer data is encrypted at rest.' },
  { id: 'adminAuditTrail', label: 'Admin audit trail', group: 'security', type: 'boolean', rule: t, explanation: 'Administrator activity is logged and available to the customer.' },
  { id: 'userAuditTrail', label: 'User audit trail', group: 'security', type: 'boolean', rule: t, explanation: 'User activity is logged and available to the customer.' },
  { id: 'dataAuditTrail', label: 'Data audit trail', group: 'security', type: 'boolean', rule: t, explanation: 'Access to and changes of data are logged.' },
  { id: 'ipRestriction', label: 'IP address restriction', group: 'security', type: 'boolean', rule: t, explanation: 'Access can be restricted to the organisation IP ranges.' },
  { id: 'userRoles', label: 'User roles support', group: 'security', type: 'boolean', rule: t, explanation: 'Role-based access control for users.' },
  { id: 'penTesting', label: 'Penetration testing', group: 'security', type: 'boolean', rule: t, explanation: 'Regular independent penetration tests.' },
  { id: 'passwordPolicy', label: 'Password policy', group: 'security', type: 'boolean', rule: t, explanation: 'Administrators can enforce a password policy.' },
  { id: 'tlsVersion', label: 'Supported TLS version', group: 'security', type: 'version', rule: { kind: 'min-version', min: '1.2' }, explanation: 'Lowest accepted TLS version; 1.2 or later is good.' },
  { id: 'hsts', label: 'HTTP security headers (HSTS)', group: 'security', type: 'boolean', rule: t, explanation: 'The service sends Strict-Transport-Security.' },
  { id: 'lastBreach', label: 'Last known breach', group: 'security', type: 'date', rule: { kind: 'not-within-years', years: 3 }, explanation: 'A publicly disclosed breach in the 3 years before the catalog date is bad.' },
  // Compliance
  { id: 'iso27001', label: 'ISO 27001', group: 'compliance', type: 'boolean', rule: t, explanation: 'Certified to ISO/IEC 27001 (information security management).' },
  { id: 'iso27017', label: 'ISO 27017', group: 'compliance', type: 'boolean', rule: t, explanation: 'Certified to ISO/IEC 27017 (cloud security controls).' },
  { id: 'iso27018', label: 'ISO 27018', group: 'compliance', type: 'boolean', rule: t, explanation: 'Certified to ISO/IEC 27018 (personal data in public clouds).' },
  { id: 'soc1', label: 'SOC 1', group: 'compliance', type: 'boolean', rule: t, explanation: 'Has a SOC 1 report.' },
  { id: 'soc2', label: 'SOC 2', group: 'compliance', type: 'boolean', rule: t, explanation: 'Has a SOC 2 report.' },
  { id: 'soc3', label: 'SOC 3', group: 'compliance', type: 'boolean', rule: t, explanation: 'Has a SOC 3 report.' },
  { id: 'hipaa', label: 'HIPAA', group: 'compliance', type: 'boolean', rule: t, explanation: 'Supports HIPAA compliance (signs a BAA).' },
  { id: 'pciDss', label: 'PCI DSS', group: 'compliance', type: 'boolean', rule: t, explanation: 'PCI DSS compliant.' },
  { id: 'fedramp', label: 'FedRAMP', group: 'compliance', type: 'boolean', rule: t, explanation: 'FedRAMP authorized.' },
  { id: 'csaStar', label: 'CSA STAR', group: 'compliance', type: 'boolean', rule: t, explanation: 'Listed in the CSA STAR registry.' },
  { id: 'gdpr', label: 'GDPR', group: 'compliance', type: 'boolean', rule: t, explanation: 'States GDPR compliance (DPA offered).' },
  // Legal
  { id: 'dataOwnership', label: 'Data ownership', group: 'legal', type: 'boolean', rule: t, explanation: 'Terms state that the customer owns its data.' },
  { id: 'dmca', label: 'DMCA', group: 'legal', type: 'boolean', rule: t, explanation: 'Publishes a DMCA / copyright takedown policy.' },
  { id: 'dataRetentionPolicy', label: 'Data retention policy', group: 'legal', type: 'text', rule: { kind: 'text-known-good' }, explanation: 'A stated retention policy (what happens to data after termination) is good.' },
  { id: 'gdprRightToErasure', label: 'GDPR - Right to erasure', group: 'legal', type: 'boolean', rule: t, explanation: 'Supports deleting personal data on request.' },
  { id: 'gdprReadiness', label: 'GDPR readiness statement', group: 'legal', type: 'boolean', rule: t, explanation: 'Publishes a GDPR readiness statement.' },
];

export const ATTRIBUTE_BY_ID: ReadonlyMap<string, AttributeDef> = new Map(ATTRIBUTES.map((a) => [a.id, a]));

export const CATEGORIES: readonly string[] = [
  'Accounting and finance',
  'Advertising',
  'Business intelligence',
  'Cloud computing platform',
  'Cloud storage',
  'Code hosting',
  'Collaboration',
  'Communications',
  'Content management',
  'Content sharing',
  'CRM',
  'Customer support',
  'Data analytics',
  'Development tools',
  'E-commerce',
  'Education',
  'Generative AI',
  'Health',
  'Hosting services',
  'Human resource management',
  'IT services',
  'Marketing',
  'News and entertainment',
  'Online meetings',
  'Operations management',
  'Personal instant messaging',
  'Productivity',
  'Project management',
  'Sales',
  'Security',
  'Social network',
  'Supply chain and logistics',
  'Transportation and travel',
  'Webmail',
  'Web analytics',
  'Vendor management systems',
  'Website monitoring',
  'Internet of things',
  'File transfer',
  'Forums',
  'Online gaming',
  'Infrastructure',
  'Search engine',
  'Government',
];
