/**
 * Brings Talos nodes up and keeps their configs current: secrets once, the first config in
 * maintenance mode, later configs over mTLS (rebooting only when Talos must), etcd bootstrapped
 * exactly once, a health gate, the kubeconfig, and etcd left by removed control planes. One
 * runner per kind, sharing one `TalosAccess`.
 */
import type { KindRunners } from '../runners.js';
import type { ResourceDriver } from '../resources.js';
import { TalosAccess, type TalosRunnerOptions } from './access.js';
import { applyConfigRunner } from './apply-config.js';
import { bootstrapRunner } from './bootstrap.js';
import { healthRunner } from './health.js';
import { kubeUpgradeRunner, type KubeUpgradeOptions } from './kube-upgrade.js';
import { etcdJoin, leaveEtcdRunner, type EtcdJoin } from './leave-etcd.js';
import { talosRecordDrivers, type TalosType } from './records.js';
import { upgradeRunner } from './upgrade.js';
import type { NodeKube } from './upgrade-kube.js';

export type { TalosRunnerOptions } from './access.js';

export interface TalosRunners {
  drivers: Record<TalosType, ResourceDriver>;
  kinds: Pick<
    KindRunners,
    'apply-config' | 'bootstrap' | 'wait' | 'leave-etcd' | 'upgrade' | 'upgrade-kubernetes'
  >;
  /** For the `node-joined` wait of a replaced control plane. */
  etcd: EtcdJoin;
}

/** `nodeKube`: how disruptive steps drain, wait for and uncordon nodes (Kubernetes). */
export function talosRunners(
  options: TalosRunnerOptions,
  kube: KubeUpgradeOptions,
  nodeKube: NodeKube,
): TalosRunners {
  const talos = new TalosAccess(options);
  return {
    drivers: talosRecordDrivers(talos),
    kinds: {
      'apply-config': applyConfigRunner(talos, nodeKube),
      bootstrap: bootstrapRunner(talos),
      wait: healthRunner(talos, nodeKube),
      'leave-etcd': leaveEtcdRunner(talos),
      'upgrade-kubernetes': kubeUpgradeRunner(talos, kube),
      upgrade: upgradeRunner({ talos, kube: nodeKube }),
    },
    etcd: etcdJoin(talos),
  };
}
