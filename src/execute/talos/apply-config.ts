/** `apply-config`: renders a node's machine config and pushes it (maintenance mode the first time). */
import { Hk8sError } from '../../errors.js';
import { configSecretName, renderNodeConfig } from '../../plan/talos/nodes.js';
import type { ApplyConfigAction } from '../../plan/types.js';
import type { KindRunner } from '../runners.js';
import { planAgain } from '../runners.js';
import type { ActionOutcome, RunContext } from '../runner.js';
import type { TalosAccess } from './access.js';
import { clusterFacts } from './facts.js';

async function applyConfig(
  talos: TalosAccess,
  action: ApplyConfigAction,
  ctx: RunContext,
): Promise<ActionOutcome> {
  const node = talos.node(action.node);
  const facts = clusterFacts(
    talos.nodes.map((n) => n.server),
    (a) => ctx.recordOf(a),
  );
  const rendered = renderNodeConfig(
    talos.spec,
    talos.options.layout,
    talos.secrets(ctx),
    node,
    facts,
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
  await talos.withConnections(ctx, async (c) => {
    if (action.mode === 'initial') await c.applyInitial(ipv4, rendered.yaml);
    else await c.applyUpdate(ipv4, rendered.yaml, action.mode, node.role);
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

export function applyConfigRunner(talos: TalosAccess): KindRunner<ApplyConfigAction> {
  return {
    describe: (action) => ({
      node: action.node,
      mode: action.mode,
      changed: action.changes.map((c) => c.path),
    }),
    run: (action, ctx) => applyConfig(talos, action, ctx),
    reconcile: async (pending) => planAgain(pending),
  };
}
