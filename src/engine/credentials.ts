/**
 * `hk8s kubeconfig` and `hk8s talosconfig`: the credentials of a cluster, from the secrets in its
 * event log. Read-only; a talosconfig carries a fresh client certificate issued from the OS CA.
 */
import { Hk8sError } from '../errors.js';
import { KUBECONFIG_SECRET, TALOS_SECRETS, talosNodes } from '../plan/talos/nodes.js';
import { buildTalosconfig, issueClientCertificate, secretsFromYaml } from '../providers/talos/pki/index.js';
import { openState } from '../state/log-store.js';
import type { Workspace } from './workspace.js';

export async function readKubeconfig(ws: Workspace): Promise<string> {
  const { state } = await openState(ws.log);
  const text = state.secrets[KUBECONFIG_SECRET]?.$secret;
  if (!text) {
    throw new Hk8sError('state.not-found', `cluster ${ws.cluster} has no kubeconfig yet`, {
      hint: 'Run `hk8s apply`: hk8s fetches it once the cluster is bootstrapped.',
    });
  }
  return text;
}

/** What a talosconfig of this cluster must say: its context, endpoints and OS CA. */
export interface TalosconfigTarget {
  context: string;
  endpoints: string[];
  ca: string;
}

async function talosAccessOf(ws: Workspace) {
  const { state } = await openState(ws.log);
  const yaml = state.secrets[TALOS_SECRETS]?.$secret;
  if (!yaml) {
    throw new Hk8sError('state.not-found', `cluster ${ws.cluster} has no Talos secrets yet`, {
      hint: 'Run `hk8s apply` first.',
    });
  }
  const secrets = secretsFromYaml(yaml);
  const ipOf = (server: string) => state.resources[server]?.attrs.ipv4;
  const endpoints = talosNodes(ws.spec)
    .filter((n) => n.role === 'controlplane')
    .map((n) => ipOf(n.server))
    .filter((ip): ip is string => typeof ip === 'string');
  return { secrets, target: { context: ws.cluster, endpoints, ca: secrets.certs.os.crt } };
}

export async function talosconfigTarget(ws: Workspace): Promise<TalosconfigTarget> {
  return (await talosAccessOf(ws)).target;
}

/** A talosconfig for talosctl with an `os:admin` certificate valid for `hours`. */
export async function issueTalosconfig(ws: Workspace, hours: number): Promise<string> {
  const { secrets, target } = await talosAccessOf(ws);
  const client = await issueClientCertificate(secrets.certs.os, {
    roles: ['os:admin'],
    validityHours: hours,
  });
  return buildTalosconfig({ ...target, nodes: target.endpoints.slice(0, 1), client });
}
