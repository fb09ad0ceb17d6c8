/**
 * HCloudVIPConfig (talos-1.13.md §2.1, §6.2): on control planes, one document per VIP, naming the
 * link the address arrives on (eth1 for the private alias IP, eth0 for a floating IP) and the
 * Hetzner token Talos calls the API with when it takes the VIP over.
 *
 * The token is a secret of another system: it goes to the node, nowhere else. What hk8s records
 * and compares (the applied config in the event log, its hash, the plan's diff) carries a
 * fingerprint in its place, so a rotated token still shows as a change — as "(sensitive)".
 */
import { createHash } from 'node:crypto';
import type { BuildContext } from './context.js';
import { typedDocument } from './documents.js';
import type { ConfigDocument, MachineConfig } from './types.js';

export const VIP_KIND = 'HCloudVIPConfig';

export function vipDocuments(context: BuildContext): ConfigDocument[] {
  const vips = context.controlPlane ? (context.cluster.vips ?? []) : [];
  if (vips.length === 0) return [];
  const token = context.cluster.hcloudToken;
  if (!token) throw new Error('an HCloudVIPConfig needs the Hetzner token (none was given)');
  return vips.map((vip) => {
    const link = vip.link === 'private' ? context.privateLinkName : context.publicLink?.name;
    if (!link) {
      throw new Error(
        `the VIP ${vip.ip} is a floating IP, but ${context.node.hostname} has no public interface`,
      );
    }
    return typedDocument(VIP_KIND, { name: vip.ip, link, apiToken: token });
  });
}

/** `sha256:` and 16 hex digits: tells tokens apart without revealing one. */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

/** The config as hk8s records it: every HCloudVIPConfig token replaced by its fingerprint. */
export function recordedForm(config: MachineConfig): MachineConfig {
  return {
    ...config,
    documents: config.documents.map((document) =>
      document.kind === VIP_KIND && typeof document.apiToken === 'string'
        ? { ...document, apiToken: tokenFingerprint(document.apiToken) }
        : document,
    ),
  };
}
