/**
 * What the engine needs from the outside world: one observation of everything the cluster owns,
 * and a runner for actions. The Hetzner provider implements it; tests use fakes.
 */
import type { UnaddressedObject } from '../execute/events.js';
import type { ActionRunner } from '../execute/runner.js';
import type { KubeObservation } from '../observe/kube.js';
import type { TalosNode } from '../plan/talos/nodes.js';
import type { VersionTarget } from '../observe/talos.js';
import type { NodeVersion } from '../plan/talos/upgrades.js';
import type { ObservedResource } from '../plan/types.js';
import type { CatalogNeeds, CloudCatalog } from './cloud-facts.js';
import type { ProjectImages } from './project-images.js';
import type { TargetIdentity } from './target-identity.js';

export interface Observation {
  resources: ObservedResource[];
  /** The operator's public addresses, when the firewall lets "me" in by default. */
  operatorIpv4?: string;
  operatorIpv6?: string;
  /** Objects with the cluster's label but no hk8s address: reported, never touched. */
  unaddressed?: UnaddressedObject[];
}

export interface ObserveOptions {
  /** Also list objects only `destroy --include-volumes` touches. */
  includeVolumes?: boolean;
}

export interface Provider {
  observe(options?: ObserveOptions): Promise<Observation>;
  /**
   * The cloud's catalogue (server types, locations, Talos images), read when a plan is about to
   * create servers. Absent: the provider has no catalogue to check against (infra-only fakes).
   */
  catalog?(needs: CatalogNeeds): Promise<CloudCatalog>;
  /**
   * Which cloud this provider talks to, as the state records it: the endpoint (`sandbox`, or the
   * API base URL) and a fingerprint of the project. A state or a saved plan made against another
   * one is refused (src/engine/target-identity.ts). Absent: not checked (fakes).
   */
  target?: TargetIdentity;
  /** The Talos version each target runs (by server address), asked with the cluster's secrets. */
  observeTalos?(targets: readonly VersionTarget[], secretsYaml: string): Promise<Record<string, NodeVersion>>;
  runner: ActionRunner;
  /** Whether the runner brings Talos up on the servers (the Hetzner provider does; infra-only fakes do not). */
  talos: boolean;
  /** What these nodes run for Kubernetes, read through the cluster's API with its admin kubeconfig. */
  observeKubernetes?(kubeconfig: string, nodes: readonly TalosNode[]): Promise<KubeObservation>;
  /** The Hetzner token the control planes' VIP configs carry (a secret: plans show a fingerprint). */
  hcloudToken?: string;
  /** The cloud's request budget now, when it has one: what the default parallelism follows. */
  requestBudget?(): { remaining: number; limit: number };
  /** Every Talos image of the project and the servers (of any cluster) booting from each. */
  projectImages?(): Promise<ProjectImages>;
  /** Releases connections and timers. */
  close?(): Promise<void>;
}
