/**
 * The certificate-making functions, loading `@peculiar/x509` (and its ASN.1 stack) on first use:
 * modules on the path of every command (the Talos runners, which a plan builds but does not run)
 * import these instead of `./index.js`, so that only a command that makes a certificate pays.
 */
import type * as Certificates from './certificates.js';
import type * as Secrets from './secrets.js';

export const issueClientCertificate: typeof Certificates.issueClientCertificate = async (...args) =>
  (await import('./certificates.js')).issueClientCertificate(...args);

export const generateSecrets: typeof Secrets.generateSecrets = async (...args) =>
  (await import('./secrets.js')).generateSecrets(...args);
