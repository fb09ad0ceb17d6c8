/** `apply-config`: renders a node's machine config and pushes it (maintenance mode the first time). */
import { Hk8sError } from '../../errors.js';
import { configSecretName, renderNodeConfig } from '../../plan/talos/nodes.js';
import type { ApplyConfigAction } from '../../plan/types.js';
import type { KindRunner } from '../runners.js';
import { planAgain } from '../runners.js';
import type { ActionOutcome, RunContext } from '../runner.js';
import type { TalosAccess } from './access.js';
import { clusterFacts } from './facts.js';
import type { NodeKube } from './upgrade-kube.js';

/**
 * The installer the node runs: the one its first config installs, then whatever the upgrades
 * recorded (a config change alone installs nothing).
 */
function installerOf(ctx: RunContext, action: ApplyConfigAction, image: unknown): string | undefined {
  if (action.mode === 'initial') return typeof image === 'string' ? image : undefined;
  const kept = ctx.recordOf(action.address)?.attrs.installer;
  return typeof kept === 'string' ? kept : undefined;
}

async function applyConfig(
  talos: TalosAccess,
  kube: NodeKube,
  action: ApplyConfigAction,
  ctx: RunContext,
): Promise<ActionOutcome> {
  const node = talos.node(action.node);
  const facts = clusterFacts([...new Set([...talos.nodes.map((n) => n.server), node.server])], (a) =>
    ctx.recordOf(a),
  );
  const rendered = renderNodeConfig(
    talos.spec,
    talos.options.layout,
    talos.secrets(ctx),
    node,
    facts,
    action.kubernetes,
    talos.options.hcloudToken,
  );
  const ipv4 = facts.servers[node.server]?.ipv4;
  const fact = facts.servers[node.server];
  if (!rendered || !fact || !ipv4) {
    throw new Hk8sError(
      'provider.api',
      "a value the config names is not known yet (the node's addresses, the endpoint, a VIP or the token)",
      {
        where: action.address,
        hint: 'Check the server in `hk8s state show`; `hk8s resume` retries once it has its addresses.',
      },
    );
  }
  // A reboot is as disruptive as an upgrade: drain before it, uncordon once the node is back.
  if (action.mode === 'reboot') await kube.drain(node.server, ctx);
  await talos.withConnections(ctx, async (c) => {
    if (action.mode === 'initial') await c.applyInitial(ipv4, rendered.yaml);
    else await c.applyUpdate(ipv4, rendered.yaml, action.mode, node.role);
  });
  if (action.mode === 'reboot') {
    await kube.waitReady(node.server, ctx, {});
    await kube.uncordon(node.server, ctx);
  }
  await ctx.secrets.put(configSecretName(node.server), JSON.stringify(rendered.config));
  const machine = rendered.config.documents[0]?.['machine'] as { install?: { image?: unknown } } | undefined;
  const installer = installerOf(ctx, action, machine?.install?.image);
  return {
    resource: {
      address: node.config,
      type: 'talos_config',
      id: fact.id,
      attrs: {
        serverId: fact.id,
        hash: rendered.hash,
        inputs: rendered.inputs,
        role: node.role,
        server: node.server,
        ...(installer ? { installer } : {}),
      },
    },
  };
}

export function applyConfigRunner(talos: TalosAccess, kube: NodeKube): KindRunner<ApplyConfigAction> {
  return {
    describe: (action) => ({
      node: action.node,
      mode: action.mode,
      changed: action.changes.map((c) => c.path),
    }),
    run: (action, ctx) => applyConfig(talos, kube, action, ctx),
    reconcile: async (pending) => planAgain(pending),
  };
}
