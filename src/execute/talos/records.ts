/**
 * The Talos records as resource drivers. They live in the event log, not in the cloud: creating
 * `talos_secrets` generates the secrets bundle, creating `talos_kubeconfig` fetches the admin
 * kubeconfig, and deleting any of them only forgets the record.
 */
import { Hk8sError } from '../../errors.js';
import { endpointUrl, externalEndpoint } from '../../plan/talos/endpoint.js';
import {
  KUBECONFIG_SECRET,
  TALOS_KUBECONFIG,
  TALOS_SECRETS,
  appliedConfigSecret,
  bootstrapNode,
} from '../../plan/talos/nodes.js';
import type { ResourceAction, ResourceType } from '../../plan/types.js';
import { secretsFromYaml, secretsToYaml } from '../../providers/talos/pki/bundle-yaml.js';
import { generateSecrets } from '../../providers/talos/pki/lazy.js';
import type { ResourceDriver } from '../resources.js';
import { planAgain } from '../runners.js';
import type { ActionOutcome, RunContext } from '../runner.js';
import { describeIdentity, type TalosAccess } from './access.js';
import { clusterFacts } from './facts.js';

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

/** The kubeconfig's server: the external endpoint, from what this run knows of the cloud. */
function kubeconfigServer(talos: TalosAccess, ctx: RunContext): string {
  const facts = clusterFacts(
    talos.nodes.map((n) => n.server),
    (a) => ctx.recordOf(a),
  );
  const endpoint = externalEndpoint(talos.spec, talos.options.layout, facts);
  if (!endpoint) {
    throw new Hk8sError('provider.api', "the Kubernetes API endpoint's address is not known yet", {
      where: TALOS_KUBECONFIG,
      hint: 'The load balancer or floating IP it uses has no address recorded; `hk8s resume` retries once it has.',
    });
  }
  return endpointUrl(endpoint.host);
}

function withServer(kubeconfig: string, server: string): string {
  return kubeconfig.replace(/^(\s*server:\s*).*$/m, `$1${server}`);
}

function kubeconfigOutcome(server: string): ActionOutcome {
  return {
    resource: { address: TALOS_KUBECONFIG, type: 'talos_kubeconfig', id: 'kubeconfig', attrs: { server } },
  };
}

async function fetchKubeconfig(talos: TalosAccess, ctx: RunContext): Promise<ActionOutcome> {
  const first = bootstrapNode(talos.spec);
  if (!first) throw new Error('a cluster without control planes has no kubeconfig');
  const server = kubeconfigServer(talos, ctx);
  const ip = talos.nodeIp(first.server, ctx);
  const text = await talos.withConnections(ctx, (c) => c.kubeconfig(ip));
  await ctx.secrets.put(KUBECONFIG_SECRET, withServer(text, server));
  return kubeconfigOutcome(server);
}

/** The endpoint moved: the same credentials, pointed at the new server. */
async function repointKubeconfig(talos: TalosAccess, ctx: RunContext): Promise<ActionOutcome> {
  const text = ctx.secrets.get(KUBECONFIG_SECRET);
  if (!text) return fetchKubeconfig(talos, ctx);
  const server = kubeconfigServer(talos, ctx);
  await ctx.secrets.put(KUBECONFIG_SECRET, withServer(text, server));
  return kubeconfigOutcome(server);
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
      update: (_action, ctx) => repointKubeconfig(talos, ctx),
    },
    talos_config: forgettable((action) => [appliedConfigSecret(action.address)]),
    talos_bootstrap: forgettable(),
  };
}
