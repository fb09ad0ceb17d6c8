/**
 * The os:admin client certificate hk8s talks to nodes with, issued once per OS CA and reused by
 * every action of the run (reissued before its hour is up): issuing one per action cost an RSA/ECDSA
 * signature and a new TLS context each time, the per-action overhead a large apply paid 50 times.
 */
import type { CertAndKey } from '../../talos/secrets-types.js';
import { issueClientCertificate } from '../../providers/talos/pki/lazy.js';

const VALID_HOURS = 1;
/** Well inside the validity: an action started now still has a valid certificate when it ends. */
export const REISSUE_AFTER_MS = 30 * 60_000;

type Issue = (ca: CertAndKey) => Promise<CertAndKey>;

const issueAdmin: Issue = (ca) =>
  issueClientCertificate(ca, { roles: ['os:admin'], validityHours: VALID_HOURS });

export class AdminCertificates {
  private current?: { ca: string; at: number; cert: Promise<CertAndKey> };

  constructor(
    private readonly issue: Issue = issueAdmin,
    private readonly now: () => number = Date.now,
  ) {}

  for(ca: CertAndKey): Promise<CertAndKey> {
    const fresh =
      this.current && this.current.ca === ca.crt && this.now() - this.current.at < REISSUE_AFTER_MS;
    if (!fresh) {
      const cert = this.issue(ca);
      // A failed issue is not kept: the next action tries again.
      cert.catch(() => {
        if (this.current?.cert === cert) this.current = undefined;
      });
      this.current = { ca: ca.crt, at: this.now(), cert };
    }
    return this.current!.cert;
  }
}
