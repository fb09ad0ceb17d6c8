/**
 * `hk8s status`: asks every node over the Talos API (mTLS) for its version and the Image Factory
 * schematic it runs (COSI), and the first reachable control plane for the etcd members. Reads the
 * state for addresses; changes nothing.
 */
import { surgeNodes, talosNodes, TALOS_SECRETS, type TalosNode } from '../plan/talos/nodes.js';
import { createTalosClient, type EtcdMember } from '../providers/talos/client/index.js';
import { etcdMembershipProblem } from '../talos/etcd-membership.js';
import { issueClientCertificate, secretsFromYaml } from '../providers/talos/pki/index.js';
import { openState } from '../state/log-store.js';
import type { State } from '../state/reducer.js';
import type { Workspace } from './workspace.js';
import type { Spec } from '../spec/schema.js';
import { addonEnabled } from '../spec/sections/addons.js';
import { schematicIdFor } from '../talos/config/schematic.js';
import { stepsFor } from '../plan/talos/upgrades.js';
import { installedImages } from '../plan/talos/upgrade-hook.js';
import { appliedConfigs } from './talos-inputs.js';

export interface NodeStatus {
  server: string;
  name: string;
  role: 'controlplane' | 'worker';
  ip?: string;
  configured: boolean;
  reachable: boolean;
  talosVersion?: string;
  /** The Image Factory schematic id the node reports it runs; absent when unknown or none. */
  schematic?: string;
  error?: string;
}

/** Nodes that run another schematic than the spec's. */
export interface SchematicDrift {
  nodes: string[];
  /** Those of them the next `hk8s apply` upgrades (to the spec's installer, so its schematic). */
  upgradedByApply: string[];
}

export interface AddonStatus {
  name: string;
  /** The plugin's addon version hk8s last installed. */
  version?: string;
  enabled: boolean;
  /** `ready`: its checks passed when hk8s last applied it; `pending`: objects applied, never Ready; `absent`: nothing applied. */
  state: 'ready' | 'pending' | 'absent';
  objects: number;
}

export interface ClusterStatus {
  cluster: string;
  bootstrapped: boolean;
  nodes: NodeStatus[];
  addons: AddonStatus[];
  etcdMembers: string[];
  /** Why the etcd members are not exactly the control planes, when they are not. */
  etcdProblem?: string;
  /** The schematic id the spec asks for (`schematicIdFor`). */
  schematic: string;
  schematicDrift?: SchematicDrift;
  healthy: boolean;
}

export async function clusterStatus(
  spec: Spec,
  state: State,
  options: { port: number; timeoutMs: number },
): Promise<ClusterStatus> {
  const yaml = state.secrets[TALOS_SECRETS]?.$secret;
  const secrets = yaml ? secretsFromYaml(yaml) : undefined;
  const cert = secrets
    ? await issueClientCertificate(secrets.certs.os, { roles: ['os:reader'], validityHours: 1 })
    : undefined;
  // A surge server (a pool's upgrade in progress, or an interrupted one) is shown while it exists.
  const surge = spec.workers.pools
    .flatMap((p) => surgeNodes(spec, p.name))
    .filter((n) => state.resources[n.server] !== undefined);
  const nodes = [...talosNodes(spec), ...surge];
  const results: NodeStatus[] = [];
  let members: EtcdMember[] = [];
  for (const node of nodes) {
    const ip = state.resources[node.server]?.attrs.ipv4;
    const status: NodeStatus = {
      server: node.server,
      name: node.hostname,
      role: node.role,
      ...(typeof ip === 'string' ? { ip } : {}),
      configured: state.resources[node.config] !== undefined,
      reachable: false,
    };
    results.push(status);
    if (typeof ip !== 'string' || !secrets || !cert || !status.configured) continue;
    const client = createTalosClient({
      endpoint: `${ip}:${options.port}`,
      mode: 'mtls',
      ca: secrets.certs.os.crt,
      cert: cert.crt,
      key: cert.key,
      retry: { attempts: 1 },
    });
    try {
      status.talosVersion = (await client.version({ timeoutMs: options.timeoutMs })).tag;
      status.reachable = true;
      if (node.role === 'controlplane' && members.length === 0)
        members = await client.etcdMemberList({}, { timeoutMs: options.timeoutMs });
    } catch (error) {
      status.error = error instanceof Error ? error.message : String(error);
    }
    try {
      // A node that answers Version but not COSI is still reachable: the schematic stays unknown.
      if (status.reachable) {
        const schematic = await client.runningSchematic({ timeoutMs: options.timeoutMs });
        if (schematic) status.schematic = schematic;
      }
    } catch {
      // Unknown schematic: shown as '-'.
    } finally {
      client.close();
    }
  }
  const controlPlanes = results.filter((n) => n.role === 'controlplane').map((n) => n.name);
  const membership = etcdMembershipProblem(members, controlPlanes);
  const wanted = schematicIdFor(spec);
  const drift = schematicDrift(spec, state, nodes, results, wanted);
  return {
    cluster: spec.cluster.name,
    bootstrapped: state.resources['talos.bootstrap'] !== undefined,
    nodes: results,
    addons: addonStatus(spec, state),
    etcdMembers: members.map((m) => m.hostname).sort(),
    ...(membership ? { etcdProblem: membership } : {}),
    schematic: wanted,
    ...(drift ? { schematicDrift: drift } : {}),
    healthy: results.every((n) => n.reachable) && membership === undefined && controlPlanes.length > 0,
  };
}

/**
 * The nodes whose reported schematic is not the spec's, and which of them the upgrade planner
 * would upgrade on the next apply: it plans from the Talos version and the installer hk8s recorded,
 * not the reported schematic, so a node changed behind hk8s's back is only reported.
 */
export function schematicDrift(
  spec: Spec,
  state: State,
  nodes: readonly TalosNode[],
  results: NodeStatus[],
  wanted: string,
): SchematicDrift | undefined {
  const installed = installedImages(appliedConfigs(state));
  const drift: SchematicDrift = { nodes: [], upgradedByApply: [] };
  nodes.forEach((node, i) => {
    const status = results[i];
    if (!status?.schematic || status.schematic === wanted) return;
    drift.nodes.push(status.name);
    const version = status.talosVersion;
    const versions = version ? { [node.server]: { status: 'running' as const, version } } : {};
    if (stepsFor({ spec, versions, installed }, node).length > 0) drift.upgradedByApply.push(status.name);
  });
  return drift.nodes.length > 0 ? drift : undefined;
}

/** Every addon the spec names or the event log holds objects of, with what hk8s last did with it. */
export function addonStatus(spec: Spec, state: State): AddonStatus[] {
  const records = Object.values(state.resources).filter((r) => r.type === 'addon');
  const names = new Set([...Object.keys(spec.addons), ...records.map((r) => String(r.attrs.addon ?? ''))]);
  return [...names]
    .filter((n) => n !== '')
    .sort()
    .map((name) => {
      const install = records.find((r) => r.address === `addon.${name}`);
      const objects = records.filter((r) => r.attrs.addon === name && r.address !== `addon.${name}`).length;
      const version = install?.attrs.version;
      return {
        name,
        ...(typeof version === 'string' ? { version } : {}),
        enabled: addonEnabled(spec.addons, name, false),
        state: install ? 'ready' : objects > 0 ? 'pending' : 'absent',
        objects,
      };
    });
}

/** The status of a workspace's cluster, from the addresses its event log recorded. */
export async function statusOfCluster(
  ws: Workspace,
  options: { port: number; timeoutMs: number },
): Promise<ClusterStatus> {
  const { state } = await openState(ws.log);
  return clusterStatus(ws.spec, state, options);
}
