/**
 * The operator's public address, for firewalls that let "me" reach the Kubernetes and Talos APIs
 * when the spec names no sources. Asked once per command, only when needed.
 */
import { Hk8sError } from '../errors.js';
import { apiSources } from '../resources/hcloud/firewall.js';
import type { InfraSpec } from '../resources/hcloud/infra-spec.js';

const DEFAULT_ECHO = 'https://ipv4.icanhazip.com';

export function needsOperatorIp(spec: InfraSpec): boolean {
  const fw = spec.firewall;
  const explicit = fw.apiSources ?? fw.kubeApiSources ?? fw.talosApiSources;
  return !explicit && fw.useCurrentIpv4 !== false && apiSources(spec, { servers: {} }).kube.length === 0;
}

export async function detectOperatorIpv4(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const url = env.HK8S_IP_ECHO_URL ?? DEFAULT_ECHO;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    const text = (await response.text()).trim();
    if (response.ok && /^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return text;
    throw new Error(`unexpected answer ${response.status}`);
  } catch (error) {
    throw new Hk8sError(
      'provider.unreachable',
      `cannot find this machine's public IPv4 address (asked ${url})`,
      {
        where: 'firewall.apiSources',
        hint: 'Set firewall.apiSources (e.g. [203.0.113.7/32]) in the spec, or firewall.useCurrentIpv4: false.',
        cause: error,
      },
    );
  }
}
