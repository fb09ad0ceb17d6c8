/**
 * The Talos records as resource drivers. They live in the event log, not in the cloud: creating
 * `talos_secrets` generates the secrets bundle, creating `talos_kubeconfig` fetches the admin
 * kubeconfig, and deleting any of them only forgets the record.
 */
import {
  KUBECONFIG_SECRET,
  TALOS_SECRETS,
  appliedConfigSecret,
  bootstrapNode,
} from '../../plan/talos/nodes.js';
import type { ResourceAction, ResourceType } from '../../plan/types.js';
import { generateSecrets, secretsFromYaml, secretsToYaml } from '../../providers/talos/pki/index.js';
import type { ResourceDriver } from '../resources.js';
import { planAgain } from '../runners.js';
import type { ActionOutcome, RunContext } from '../runner.js';
import { describeIdentity, type TalosAccess } from './access.js';

export type TalosType = Extract<ResourceType, `talos_${string}`>;

const notTalos = async (action: ResourceAction): Promise<never> => {
  throw new Error(`${action.kind} ${action.address} is not a Talos action`);
};

/**
 * A record that is only ever forgotten here (its creation is another kind's outcome), together
 * with the secrets that belong to it, so a cluster created again later starts from new ones.
 */
function forgettable(secretsOf: (action: ResourceAction) => string[] = () => []): ResourceDriver {
  return {
    describe: describeIdentity,
    create: notTalos,
    update: notTalos,
    replace: notTalos,
    delete: async (action, ctx) => {
      for (const name of secretsOf(action)) await ctx.secrets.forget(name, `${action.address} was deleted`);
      return { resource: null };
    },
    reconcile: async (pending) => planAgain(pending),
  };
}

export async function createSecrets(ctx: RunContext): Promise<ActionOutcome> {
  let yaml = ctx.secrets.get(TALOS_SECRETS);
  if (!yaml) {
    yaml = secretsToYaml(await generateSecrets());
    await ctx.secrets.put(TALOS_SECRETS, yaml);
  }
  const secrets = secretsFromYaml(yaml);
  return { resource: { address: TALOS_SECRETS, type: 'talos_secrets', id: secrets.cluster.id, attrs: {} } };
}

async function fetchKubeconfig(talos: TalosAccess, ctx: RunContext): Promise<ActionOutcome> {
  const first = bootstrapNode(talos.spec);
  if (!first) throw new Error('a cluster without control planes has no kubeconfig');
  const ip = talos.nodeIp(first.server, ctx);
  const lbIp = ctx.recordOf('load_balancer.kube-api')?.attrs.ipv4;
  const host = talos.spec.loadBalancers.kubeApi.enabled && typeof lbIp === 'string' ? lbIp : ip;
  const text = await talos.withConnections(ctx, (c) => c.kubeconfig(ip));
  const server = `https://${host}:6443`;
  const rewritten = text.replace(/^(\s*server:\s*).*$/m, `$1${server}`);
  await ctx.secrets.put(KUBECONFIG_SECRET, rewritten);
  return {
    resource: { address: 'talos.kubeconfig', type: 'talos_kubeconfig', id: 'kubeconfig', attrs: { server } },
  };
}

export function talosRecordDrivers(talos: TalosAccess): Record<TalosType, ResourceDriver> {
  return {
    talos_secrets: {
      ...forgettable(() => [TALOS_SECRETS]),
      create: (_action, ctx) => createSecrets(ctx),
      // Generated secrets are appended before anything uses them: if they are there, it is done.
      reconcile: async (pending, ctx) =>
        pending.kind === 'create' && ctx.secrets.get(TALOS_SECRETS)
          ? { status: 'done', outcome: await createSecrets(ctx) }
          : planAgain(pending),
    },
    talos_kubeconfig: {
      ...forgettable(() => [KUBECONFIG_SECRET]),
      create: (_action, ctx) => fetchKubeconfig(talos, ctx),
    },
    talos_config: forgettable((action) => [appliedConfigSecret(action.address)]),
    talos_bootstrap: forgettable(),
  };
}
