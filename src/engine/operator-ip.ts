/**
 * Whether the firewall needs the operator's public address: it lets "me" reach the Kubernetes and
 * Talos APIs when the spec names no sources, or says `useCurrentIpv4: true`. The CLI asks for it
 * (src/cli/operator-ip.ts).
 */
import type { InfraSpec } from '../resources/hcloud/infra-spec.js';

export function needsOperatorIp(spec: InfraSpec): boolean {
  const fw = spec.firewall;
  const explicit = (fw.apiSources ?? fw.kubeApiSources ?? fw.talosApiSources) !== undefined;
  return fw.useCurrentIpv4 ?? !explicit;
}
