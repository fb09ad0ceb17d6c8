/**
 * Brings Talos nodes up and keeps their configs current: secrets once, the first config in
 * maintenance mode, later configs over mTLS (rebooting only when Talos must), etcd bootstrapped
 * exactly once, a health gate, and the kubeconfig.
 */
import { Hk8sError, assertNever } from '../../errors.js';
import {
  bootstrapNode,
  configSecretName,
  KUBECONFIG_SECRET,
  renderNodeConfig,
  talosNodes,
  TALOS_SECRETS,
} from '../../plan/talos/nodes.js';
import type { TalosNode } from '../../plan/talos/nodes.js';
import type { Action, ApplyConfigAction, DeleteAction } from '../../plan/types.js';
import { generateSecrets, secretsFromYaml, secretsToYaml } from '../../providers/talos/pki/index.js';
import type { TalosSecrets } from '../../talos/secrets-types.js';
import type { NetworkLayout } from '../../spec/network.js';
import type { Spec } from '../../spec/schema.js';
import type { ActionOutcome, ActionRunner, PendingAction, Reconciliation, RunContext } from '../runner.js';
import { clusterFacts } from './facts.js';
import { TalosConnections, type TalosTiming } from './connections.js';

export interface TalosRunnerOptions {
  spec: Spec;
  layout: NetworkLayout;
  port: number;
  timing: TalosTiming;
}

export class TalosRunner implements ActionRunner {
  private readonly nodes: TalosNode[];

  constructor(private readonly options: TalosRunnerOptions) {
    this.nodes = talosNodes(options.spec);
  }

  describe(action: Action): unknown {
    switch (action.kind) {
      case 'apply-config':
        return { node: action.node, mode: action.mode, changed: action.changes.map((c) => c.path) };
      case 'bootstrap':
        return { node: action.node };
      default:
        return { kind: action.kind, address: action.address };
    }
  }

  private secrets(ctx: RunContext): TalosSecrets {
    const yaml = ctx.secrets.get(TALOS_SECRETS);
    if (!yaml) throw new Error('the Talos secrets should have been generated before this action');
    return secretsFromYaml(yaml);
  }

  private connections(ctx: RunContext): TalosConnections {
    return new TalosConnections(this.secrets(ctx), this.options.port, this.options.timing, ctx);
  }

  private node(server: string): TalosNode {
    const node = this.nodes.find((n) => n.server === server);
    if (!node) throw new Error(`${server} is not a node of this spec`);
    return node;
  }

  async run(action: Action, ctx: RunContext): Promise<ActionOutcome> {
    switch (action.kind) {
      case 'create':
        return action.type === 'talos_secrets' ? this.createSecrets(ctx) : this.fetchKubeconfig(ctx);
      case 'apply-config':
        return this.applyConfig(action, ctx);
      case 'bootstrap':
        return this.bootstrap(action.node, ctx);
      case 'wait':
        await this.withConnections(ctx, (c) => c.waitHealthy(this.nodes));
        return {};
      case 'delete':
        return this.forget(action, ctx);
      case 'update':
      case 'replace':
      case 'drain':
      case 'upgrade':
        throw new Error(`${action.kind} ${action.address} is not a Talos action`);
      default:
        return assertNever(action, 'action');
    }
  }

  private async withConnections<T>(ctx: RunContext, work: (c: TalosConnections) => Promise<T>): Promise<T> {
    const connections = this.connections(ctx);
    try {
      return await work(connections);
    } finally {
      connections.close();
    }
  }

  private async createSecrets(ctx: RunContext): Promise<ActionOutcome> {
    let yaml = ctx.secrets.get(TALOS_SECRETS);
    if (!yaml) {
      yaml = secretsToYaml(await generateSecrets());
      await ctx.secrets.put(TALOS_SECRETS, yaml);
    }
    const secrets = secretsFromYaml(yaml);
    return { resource: { address: TALOS_SECRETS, type: 'talos_secrets', id: secrets.cluster.id, attrs: {} } };
  }

  private async applyConfig(action: ApplyConfigAction, ctx: RunContext): Promise<ActionOutcome> {
    const node = this.node(action.node);
    const facts = clusterFacts(
      this.nodes.map((n) => n.server),
      (a) => ctx.recordOf(a),
    );
    const rendered = renderNodeConfig(this.options.spec, this.options.layout, this.secrets(ctx), node, facts);
    const fact = facts.servers[node.server];
    if (!rendered || !fact?.ipv4) {
      throw new Hk8sError(
        'provider.api',
        'the node has no public IPv4 or private IP yet, so its config cannot be rendered',
        {
          where: action.address,
          hint: 'Check the server in `hk8s state show`; `hk8s resume` retries once it has its addresses.',
        },
      );
    }
    await this.withConnections(ctx, async (c) => {
      if (action.mode === 'initial') await c.applyInitial(fact.ipv4 as string, rendered.yaml);
      else await c.applyUpdate(fact.ipv4 as string, rendered.yaml, action.mode, node.role);
    });
    await ctx.secrets.put(configSecretName(node.server), JSON.stringify(rendered.config));
    return {
      resource: {
        address: node.config,
        type: 'talos_config',
        id: fact.id,
        attrs: { serverId: fact.id, hash: rendered.hash, role: node.role, server: node.server },
      },
    };
  }

  private nodeIp(server: string, ctx: RunContext): string {
    const ip = ctx.recordOf(server)?.attrs.ipv4;
    if (typeof ip !== 'string') throw new Error(`${server} has no public IPv4 recorded`);
    return ip;
  }

  private async bootstrap(server: string, ctx: RunContext): Promise<ActionOutcome> {
    const ip = this.nodeIp(server, ctx);
    await this.withConnections(ctx, (c) => c.bootstrapOnce(ip));
    return {
      resource: {
        address: 'talos.bootstrap',
        type: 'talos_bootstrap',
        id: ctx.idOf(server) ?? server,
        attrs: { node: server },
      },
    };
  }

  private async fetchKubeconfig(ctx: RunContext): Promise<ActionOutcome> {
    const first = bootstrapNode(this.options.spec);
    if (!first) throw new Error('a cluster without control planes has no kubeconfig');
    const ip = this.nodeIp(first.server, ctx);
    const lbIp = ctx.recordOf('load_balancer.kube-api')?.attrs.ipv4;
    const host = this.options.spec.loadBalancers.kubeApi.enabled && typeof lbIp === 'string' ? lbIp : ip;
    const text = await this.withConnections(ctx, (c) => c.kubeconfig(ip));
    const server = `https://${host}:6443`;
    const rewritten = text.replace(/^(\s*server:\s*).*$/m, `$1${server}`);
    await ctx.secrets.put(KUBECONFIG_SECRET, rewritten);
    return {
      resource: {
        address: 'talos.kubeconfig',
        type: 'talos_kubeconfig',
        id: 'kubeconfig',
        attrs: { server },
      },
    };
  }

  private async forget(action: DeleteAction, ctx: RunContext): Promise<ActionOutcome> {
    const server = typeof action.before.server === 'string' ? action.before.server : undefined;
    if (action.type === 'talos_config' && action.before.leave === true && server) {
      const ip = ctx.recordOf(server)?.attrs.ipv4;
      if (typeof ip === 'string') {
        try {
          await this.withConnections(ctx, (c) => c.leaveEtcd(ip));
        } catch (error) {
          // A node that is already gone cannot leave; its server is deleted next either way, and
          // refusing here would leave the scale-down stuck. Other refusals (e.g. the last member) stand.
          if (!(error instanceof Hk8sError && error.code === 'provider.unreachable')) throw error;
          ctx.progress(`${server} is unreachable and could not leave etcd itself`);
        }
      }
    }
    return { resource: null };
  }

  async reconcile(pending: PendingAction, ctx: RunContext): Promise<Reconciliation> {
    if (pending.kind === 'create' && pending.address === TALOS_SECRETS && ctx.secrets.get(TALOS_SECRETS)) {
      return { status: 'done', outcome: await this.createSecrets(ctx) };
    }
    if (pending.kind === 'bootstrap') {
      const server =
        (pending.request as { node?: string } | null)?.node ?? bootstrapNode(this.options.spec)?.server;
      const ip = server ? ctx.recordOf(server)?.attrs.ipv4 : undefined;
      if (server && typeof ip === 'string') {
        const formed = await this.withConnections(ctx, (c) => c.etcdFormed(ip)).catch(() => false);
        if (formed) {
          return {
            status: 'done',
            outcome: {
              resource: {
                address: 'talos.bootstrap',
                type: 'talos_bootstrap',
                id: ctx.idOf(server) ?? server,
                attrs: { node: server },
              },
            },
          };
        }
      }
      return { status: 'not-done', reason: 'etcd has no members yet' };
    }
    return { status: 'not-done', reason: `${pending.kind} is planned again from what exists` };
  }
}
