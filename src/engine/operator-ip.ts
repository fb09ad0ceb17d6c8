/**
 * Whether the firewall needs the operator's public address: it lets "me" reach the Kubernetes and
 * Talos APIs when the spec names no sources. The CLI asks for it (src/cli/operator-ip.ts).
 */
import { apiSources } from '../resources/hcloud/firewall.js';
import type { InfraSpec } from '../resources/hcloud/infra-spec.js';

export function needsOperatorIp(spec: InfraSpec): boolean {
  const fw = spec.firewall;
  const explicit = fw.apiSources ?? fw.kubeApiSources ?? fw.talosApiSources;
  return !explicit && fw.useCurrentIpv4 !== false && apiSources(spec, { servers: {} }).kube.length === 0;
}
