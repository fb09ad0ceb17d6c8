/**
 * `upgrade-kubernetes`: one step of a Kubernetes upgrade. A component step pushes the node's config
 * with the step's staged versions (NO_REBOOT, mTLS, that node only), waits through the Kubernetes
 * API until the component runs the new version and is Ready, and records the pushed config as the
 * node's applied one. The last step of the cluster server-side applies the bootstrap manifests'
 * new images with hk8s's field manager. Each step is its own journaled action: a run killed between
 * steps resumes at the next one; one killed inside a step finds it done (resume's reconcile) or runs
 * it again, which re-pushes the same config and waits again.
 */
import { Hk8sError } from '../../errors.js';
import { configSecretName, KUBECONFIG_SECRET, renderNodeConfig } from '../../plan/talos/nodes.js';
import type {
  SyncManifestsAction,
  UpgradeComponentAction,
  UpgradeKubernetesAction,
} from '../../plan/types.js';
import type { KubeClient } from '../../providers/kube/index.js';
import { KUBE_COMPONENTS } from '../../talos/config/index.js';
import type { KubeClientSource } from '../kube/clients.js';
import type { KindRunner } from '../runners.js';
import { planAgain } from '../runners.js';
import type { ActionOutcome, PendingAction, Reconciliation, RunContext } from '../runner.js';
import type { TalosAccess } from './access.js';
import { clusterFacts } from './facts.js';
import {
  controlPlanePodMissing,
  kubeletMissing,
  waitForControlPlanePod,
  waitForKubelet,
  waitForProxyRollout,
  type KubeUpgradeTiming,
} from './kube-upgrade-waits.js';

export interface KubeUpgradeOptions {
  clients: KubeClientSource;
  timing: KubeUpgradeTiming;
}

function kubeconfigOf(ctx: RunContext, where: string): string {
  const kubeconfig = ctx.secrets.get(KUBECONFIG_SECRET);
  if (!kubeconfig) {
    throw new Hk8sError(
      'provider.api',
      'the cluster has no kubeconfig, so its Kubernetes cannot be upgraded',
      {
        where,
        hint: 'Run `hk8s apply` to finish bringing the cluster up first.',
      },
    );
  }
  return kubeconfig;
}

/** The step's config, rendered now from the spec, the secrets and what is known of the servers. */
function stagedConfig(talos: TalosAccess, action: UpgradeComponentAction, ctx: RunContext) {
  const node = talos.node(action.node);
  const servers = talos.nodes.map((n) => n.server);
  const facts = clusterFacts(servers, (a) => ctx.recordOf(a));
  const fact = facts.servers[node.server];
  const rendered = renderNodeConfig(
    talos.spec,
    talos.options.layout,
    talos.secrets(ctx),
    node,
    facts,
    action.staged,
    talos.options.hcloudToken,
  );
  if (!rendered || !fact?.ipv4) {
    throw new Hk8sError('provider.api', 'the node has no public IPv4 or private IP recorded', {
      where: action.address,
      hint: 'Check the server in `hk8s state show`; `hk8s resume` retries once it has its addresses.',
    });
  }
  const ips = [fact.ipv4, fact.privateIp].filter((ip): ip is string => ip !== undefined);
  return { node, fact, rendered, ips, ipv4: fact.ipv4 };
}

async function recordApplied(
  action: UpgradeComponentAction,
  staged: ReturnType<typeof stagedConfig>,
  ctx: RunContext,
): Promise<ActionOutcome> {
  const { node, fact, rendered } = staged;
  await ctx.secrets.put(configSecretName(node.server), JSON.stringify(rendered.config));
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
      },
    },
    outputs: { node: node.hostname, component: action.component, version: action.to },
  };
}

/** Undefined when the component of the step already runs its version and is Ready. */
async function stepMissing(
  kube: KubeClient,
  action: UpgradeComponentAction,
  hostname: string,
  ips: string[],
) {
  switch (action.component) {
    case 'kube-apiserver':
    case 'kube-controller-manager':
    case 'kube-scheduler':
      return controlPlanePodMissing(kube, {
        component: action.component,
        nodeName: hostname,
        nodeIps: ips,
        version: action.to,
      });
    case 'kubelet':
      return kubeletMissing(kube, hostname, action.to);
    case 'kube-proxy':
      // Only the control planes' configs change; the DaemonSet moves with the manifests.
      return 'a kube-proxy config step is not observable';
  }
}

async function upgradeComponent(
  talos: TalosAccess,
  options: KubeUpgradeOptions,
  action: UpgradeComponentAction,
  ctx: RunContext,
): Promise<ActionOutcome> {
  const staged = stagedConfig(talos, action, ctx);
  const { node } = staged;
  ctx.progress(`${node.hostname}: ${action.component} ${action.from} → ${action.to}`);
  await talos.withConnections(ctx, (c) =>
    c.applyUpdate(staged.ipv4, staged.rendered.yaml, 'no-reboot', node.role),
  );
  const wait = { where: action.address, signal: ctx.signal, progress: (m: string) => ctx.progress(m) };
  switch (action.component) {
    case 'kube-apiserver':
    case 'kube-controller-manager':
    case 'kube-scheduler': {
      const kube = await options.clients(kubeconfigOf(ctx, action.address));
      const target = {
        component: action.component,
        nodeName: node.hostname,
        nodeIps: staged.ips,
        version: action.to,
      };
      await waitForControlPlanePod(kube, options.timing, target, wait);
      break;
    }
    case 'kubelet': {
      const kube = await options.clients(kubeconfigOf(ctx, action.address));
      await waitForKubelet(kube, options.timing, node.hostname, action.to, wait);
      break;
    }
    case 'kube-proxy':
      break;
  }
  return recordApplied(action, staged, ctx);
}

async function syncManifests(
  options: KubeUpgradeOptions,
  action: SyncManifestsAction,
  ctx: RunContext,
): Promise<ActionOutcome> {
  const kube = await options.clients(kubeconfigOf(ctx, action.address));
  // Only the image is hk8s's: the rest of each object stays Talos's, as its bootstrap wrote it.
  const objects = action.manifests.map((m) => ({
    apiVersion: m.apiVersion,
    kind: m.kind,
    metadata: { name: m.name, namespace: m.namespace },
    spec: { template: { spec: { containers: [{ name: m.container, image: m.image }] } } },
  }));
  ctx.progress(`applying ${action.manifests.map((m) => `${m.kind} ${m.namespace}/${m.name}`).join(', ')}`);
  await kube.serverSideApply(objects, { force: true, signal: ctx.signal });
  if (action.manifests.some((m) => m.kind === 'DaemonSet' && m.name === 'kube-proxy')) {
    const wait = { where: action.address, signal: ctx.signal, progress: (m: string) => ctx.progress(m) };
    await waitForProxyRollout(kube, options.timing, action.to, wait);
  }
  return { outputs: { applied: action.manifests.map((m) => `${m.kind} ${m.namespace}/${m.name}`) } };
}

/** The request journaled before the step: what resume needs to look its effect up. */
function describe(action: UpgradeKubernetesAction): unknown {
  if (action.component === 'bootstrap-manifests') {
    return { component: action.component, from: action.from, to: action.to, manifests: action.manifests };
  }
  return {
    node: action.node,
    component: action.component,
    from: action.from,
    to: action.to,
    staged: action.staged,
  };
}

function pendingStep(pending: PendingAction): UpgradeComponentAction | undefined {
  const request = pending.request as Partial<UpgradeComponentAction> | null;
  if (!request || typeof request !== 'object') return undefined;
  const { node, component, from, to, staged } = request;
  if (typeof node !== 'string' || typeof to !== 'string' || typeof from !== 'string') return undefined;
  if (!(KUBE_COMPONENTS as readonly unknown[]).includes(component)) return undefined;
  if (!component || !staged || typeof staged !== 'object') return undefined;
  return {
    id: pending.id,
    address: pending.address,
    reason: 'resumed',
    dependsOn: [],
    kind: 'upgrade-kubernetes',
    node,
    component,
    from,
    to,
    staged,
  };
}

/** A step the run died in is done when its component already runs the new version and is Ready. */
async function reconcileStep(
  talos: TalosAccess,
  options: KubeUpgradeOptions,
  pending: PendingAction,
  ctx: RunContext,
): Promise<Reconciliation> {
  const action = pendingStep(pending);
  const kubeconfig = ctx.secrets.get(KUBECONFIG_SECRET);
  if (!action || !kubeconfig || action.component === 'kube-proxy') return planAgain(pending);
  try {
    const staged = stagedConfig(talos, action, ctx);
    const kube = await options.clients(kubeconfig);
    const missing = await stepMissing(kube, action, staged.node.hostname, staged.ips);
    if (missing !== undefined) return { status: 'not-done', reason: missing };
    return { status: 'done', outcome: await recordApplied(action, staged, ctx) };
  } catch (error) {
    // Unreachable now, or the node changed: the plan from what exists decides what is left.
    if (error instanceof Hk8sError) return planAgain(pending);
    throw error;
  }
}

export function kubeUpgradeRunner(
  talos: TalosAccess,
  options: KubeUpgradeOptions,
): KindRunner<UpgradeKubernetesAction> {
  return {
    describe,
    run: (action, ctx) =>
      action.component === 'bootstrap-manifests'
        ? syncManifests(options, action, ctx)
        : upgradeComponent(talos, options, action, ctx),
    reconcile: (pending, ctx) => reconcileStep(talos, options, pending, ctx),
  };
}
