/**
 * The provider of a Hetzner cluster, assembled from collaborators the composition root (the CLI)
 * builds: the API client (for the cloud or the sandbox: only its endpoint differs), how to reach
 * Talos, how to drain nodes, and how to learn the operator's address. Here the runners of every
 * action kind are put together; nothing here reads the environment or knows the sandbox.
 */
import { addonRunners, type AddonAccessOptions } from '../execute/addons/runner.js';
import { drainRunner, type NodeDrainer } from '../execute/drain.js';
import { waitRunner } from '../execute/waits.js';
import { hcloudDrivers } from '../execute/hcloud/runner.js';
import type { BuilderOptions } from '../execute/image/builder.js';
import { imageDriver } from '../execute/image/driver.js';
import { readProjectImages } from './project-images.js';
import { nodeObjectDriver, type NodeObjects } from '../execute/node-objects.js';
import { joinedRunner } from '../execute/node-joined.js';
import { nodeBackRunner } from '../execute/node-back.js';
import { resourceRunners } from '../execute/resources.js';
import { KindDispatcher, type KindRunners } from '../execute/runners.js';
import type { KubeClientSource } from '../execute/kube/clients.js';
import type { TalosTiming } from '../execute/talos/connections.js';
import type { KubeUpgradeTiming } from '../execute/talos/kube-upgrade-waits.js';
import { talosRunners } from '../execute/talos/runner.js';
import { observeHcloud } from '../observe/hcloud.js';
import { observeKubernetes } from '../observe/kube.js';
import type { NodeKube } from '../execute/talos/upgrade-kube.js';
import { observeTalosVersions } from '../observe/talos.js';
import type { InfraSpec } from '../resources/hcloud/infra-spec.js';
import type { HcloudApi } from '../providers/hcloud/index.js';
import { resolveNetworkLayout } from '../spec/network.js';
import type { Spec } from '../spec/schema.js';
import { needsOperatorIp } from './operator-ip.js';
import type { Provider } from './provider.js';
import { readCatalog } from './hcloud-catalog.js';
import type { TargetIdentity } from './target-identity.js';

export interface ProviderParts {
  /** The Hetzner API client, pointed at the cloud or the sandbox. */
  hcloud: HcloudApi;
  /** The Hetzner client's request budget, when it keeps one. */
  budget?: () => { remaining: number; limit: number };
  talos: { port: number; timing: TalosTiming };
  drainer: NodeDrainer;
  kube: {
    /** Clients for plan-time observation: short timeouts, so an unreachable API costs little. */
    observe: KubeClientSource;
    /** Clients for the Kubernetes upgrade's steps. */
    run: KubeClientSource;
    upgradeTiming: KubeUpgradeTiming;
  };
  /** The Node objects of servers that go, and the readiness of new ones. */
  nodes: NodeObjects;
  /** How addons reach the cluster: timing, and the values hk8s holds but never records. */
  addons: AddonAccessOptions;
  /** Drain, readiness and uncordon around disruptive node steps, and the health gates' reads. */
  nodeKube: NodeKube;
  /** How Talos images are built (absent: this cloud cannot build them, e.g. a sandbox without rescue SSH). */
  images?: BuilderOptions;
  /** The Hetzner token the client uses; Talos's VIP controller on the control planes gets it too. */
  hcloudToken: string;
  /** The operator's public IPv4; asked at most once, and only when the firewall needs it. */
  operatorIpv4(): Promise<string>;
  /** Which cloud this is, as the state records it (src/engine/target-identity.ts). */
  target?: TargetIdentity;
  close?(): Promise<void>;
}

/** One runner per action kind; the resource kinds go through one driver per resource type. */
export function clusterRunners(spec: Spec, parts: ProviderParts): KindRunners {
  const talos = talosRunners(
    {
      spec,
      layout: resolveNetworkLayout(spec),
      port: parts.talos.port,
      timing: parts.talos.timing,
      hcloudToken: parts.hcloudToken,
    },
    { clients: parts.kube.run, timing: parts.kube.upgradeTiming },
    parts.nodeKube,
  );
  const addons = addonRunners(parts.addons);
  return {
    ...resourceRunners({
      ...hcloudDrivers(parts.hcloud, spec.cluster.name),
      image: imageDriver(parts.hcloud, parts.images),
      ...talos.drivers,
      kube_node: nodeObjectDriver(parts.nodes),
      addon: addons.driver,
    }),
    ...talos.kinds,
    wait: waitRunner({
      'talos-health': talos.kinds.wait,
      'upgrade-gate': talos.kinds.wait,
      'node-joined': joinedRunner(talos.etcd, parts.nodes),
      'node-back': nodeBackRunner(parts.nodeKube),
      'cluster-ready': addons.clusterReady,
    }),
    drain: drainRunner(parts.drainer),
  };
}

export function hcloudProvider(spec: Spec, cluster: string, parts: ProviderParts): Provider {
  const infra: InfraSpec = spec;
  let operatorIpv4: Promise<string> | undefined;
  return {
    runner: new KindDispatcher(clusterRunners(spec, parts)),
    talos: true,
    async observeKubernetes(kubeconfig, nodes) {
      try {
        return await observeKubernetes(await parts.kube.observe(kubeconfig), nodes);
      } catch (error) {
        // A kubeconfig the client cannot use is as good as an unreachable API for planning.
        return { reachable: false, reason: error instanceof Error ? error.message : String(error) };
      }
    },
    hcloudToken: parts.hcloudToken,
    ...(parts.target === undefined ? {} : { target: parts.target }),
    catalog: (needs) => readCatalog(parts.hcloud, needs),
    projectImages: () => readProjectImages(parts.hcloud),
    ...(parts.budget ? { requestBudget: parts.budget } : {}),
    async observe(observeOptions = {}) {
      const observation = await observeHcloud(parts.hcloud, cluster, observeOptions);
      const unaddressed = observation.unaddressed.map((o) => ({ ...o, id: String(o.id) }));
      if (!needsOperatorIp(infra)) return { resources: observation.resources, unaddressed };
      operatorIpv4 ??= parts.operatorIpv4();
      return { resources: observation.resources, unaddressed, operatorIpv4: await operatorIpv4 };
    },
    async observeTalos(targets, secretsYaml) {
      if (targets.length === 0) return {};
      // The gRPC client and the certificate code load only when there are nodes to ask.
      const { mtlsVersionProbe } = await import('../observe/talos-probe.js');
      const { probe, close } = await mtlsVersionProbe({
        secretsYaml,
        port: parts.talos.port,
        timeoutMs: parts.talos.timing.callTimeoutMs,
      });
      try {
        return await observeTalosVersions(targets, probe);
      } finally {
        close();
      }
    },
    ...(parts.close ? { close: parts.close } : {}),
  };
}
