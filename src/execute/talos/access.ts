/**
 * What every Talos runner shares: the spec's nodes, the cluster's secrets from the event log, and
 * mTLS connections to the nodes, opened for one action and closed after it.
 */
import { surgeNodes, TALOS_SECRETS, talosNodes, type TalosNode } from '../../plan/talos/nodes.js';
import { secretsFromYaml } from '../../providers/talos/pki/bundle-yaml.js';
import type { TalosSecrets } from '../../talos/secrets-types.js';
import type { NetworkLayout } from '../../spec/network.js';
import type { Spec } from '../../spec/schema.js';
import type { RunContext } from '../runner.js';
import { AdminCertificates } from './admin-cert.js';
import { TalosConnections, type TalosTiming } from './connections.js';

export interface TalosRunnerOptions {
  spec: Spec;
  layout: NetworkLayout;
  /** The Talos API port on every node. */
  port: number;
  timing: TalosTiming;
  /** The Hetzner token, for the control planes' HCloudVIPConfig. */
  hcloudToken?: string;
}

export class TalosAccess {
  /** The spec's numbered nodes: what health checks and gates expect to answer. */
  readonly nodes: TalosNode[];
  /** Every surge node a pool may have (surge.ts); only those a run creates exist. */
  private readonly surge: TalosNode[];
  /** The secrets parsed once, not per action (the YAML only changes when they are generated). */
  private parsed?: { yaml: string; secrets: TalosSecrets };
  /** One admin certificate (and so one TLS context) for every action of a run. */
  private readonly admins = new AdminCertificates();

  constructor(readonly options: TalosRunnerOptions) {
    this.nodes = talosNodes(options.spec);
    this.surge = options.spec.workers.pools.flatMap((p) => surgeNodes(options.spec, p.name));
  }

  get spec(): Spec {
    return this.options.spec;
  }

  secrets(ctx: RunContext): TalosSecrets {
    const yaml = ctx.secrets.get(TALOS_SECRETS);
    if (!yaml) throw new Error('the Talos secrets should have been generated before this action');
    if (this.parsed?.yaml !== yaml) this.parsed = { yaml, secrets: secretsFromYaml(yaml) };
    return this.parsed.secrets;
  }

  node(server: string): TalosNode {
    const node = this.nodes.find((n) => n.server === server) ?? this.surge.find((n) => n.server === server);
    if (!node) throw new Error(`${server} is not a node of this spec`);
    return node;
  }

  nodeIp(server: string, ctx: RunContext): string {
    const ip = ctx.recordOf(server)?.attrs.ipv4;
    if (typeof ip !== 'string') throw new Error(`${server} has no public IPv4 recorded`);
    return ip;
  }

  async withConnections<T>(ctx: RunContext, work: (c: TalosConnections) => Promise<T>): Promise<T> {
    const connections = new TalosConnections(
      this.secrets(ctx),
      this.options.port,
      this.options.timing,
      ctx,
      this.admins,
    );
    try {
      return await work(connections);
    } finally {
      connections.close();
    }
  }
}

/** The request journaled for a Talos action that sends nothing worth recording beyond its identity. */
export function describeIdentity(action: { kind: string; address: string }): unknown {
  return { kind: action.kind, address: action.address };
}
