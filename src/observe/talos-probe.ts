/**
 * The `Version` probe over mTLS with a short-lived admin certificate issued from the cluster's OS
 * CA (kept in the event log). One client per node, closed when the observation ends.
 */
import { createTalosClient, type TalosClient } from '../providers/talos/client/index.js';
import { issueClientCertificate, secretsFromYaml } from '../providers/talos/pki/index.js';
import type { VersionProbe } from './talos.js';

export interface ProbeOptions {
  secretsYaml: string;
  port: number;
  /** Per call; the probe does not retry (a node that does not answer is reported unknown). */
  timeoutMs: number;
}

export async function mtlsVersionProbe(
  options: ProbeOptions,
): Promise<{ probe: VersionProbe; close(): void }> {
  const secrets = secretsFromYaml(options.secretsYaml);
  // Reading versions needs no more than os:reader.
  const cert = await issueClientCertificate(secrets.certs.os, { roles: ['os:reader'], validityHours: 1 });
  const clients: TalosClient[] = [];
  return {
    probe: async (ip) => {
      const client = createTalosClient({
        endpoint: `${ip}:${options.port}`,
        mode: 'mtls',
        ca: secrets.certs.os.crt,
        cert: cert.crt,
        key: cert.key,
        retry: { attempts: 1 },
      });
      clients.push(client);
      return (await client.version({ timeoutMs: options.timeoutMs })).tag;
    },
    close: () => {
      for (const client of clients) client.close();
    },
  };
}
