/**
 * What a cluster records for tests: the most nodes unavailable at once (NotReady or cordoned, and
 * NotReady alone), the fewest workers left to run pods at once (Ready and schedulable), and every version change a node showed (Talos, kubelet, and on control planes the
 * API server, controller manager and scheduler as their configs name them), in order.
 */
import type { TalosNodeView } from '../talos/observe.js';
import { imageTag, type KubeFacts } from './machine.js';
import type { KubeObject } from './types.js';

export type Component = 'talos' | 'kubelet' | 'apiserver' | 'controller-manager' | 'scheduler';

export interface VersionChange {
  node: string;
  serverId: number;
  component: Component;
  from: string;
  to: string;
  /** ISO time it was observed. */
  at: string;
}

export interface ClusterRecord {
  id: string;
  name: string;
  /** Addresses the API listens on right now. */
  endpoints: string[];
  nodes: { total: number; notReady: number; unavailable: number };
  maxUnavailable: { notReadyOrUnschedulable: number; notReady: number };
  /** Since the last reset: the fewest Ready, schedulable workers at once (the capacity kept). */
  minAvailable: { schedulableWorkers: number };
  versionChanges: VersionChange[];
}

export interface ObservedMember {
  view: TalosNodeView;
  facts: KubeFacts;
  kubeletRuns: boolean;
  apiUp: boolean;
  node: KubeObject | undefined;
}

export interface DisruptionCounts {
  notReady: number;
  unavailable: number;
  /** Ready, schedulable nodes without the control-plane role. */
  schedulableWorkers: number;
}

export class ClusterRecorder {
  private maxUnavailable = 0;
  private maxNotReady = 0;
  private minSchedulableWorkers = 0;
  private changes: VersionChange[] = [];
  private readonly last = new Map<string, string>();

  observe(members: ObservedMember[], counts: DisruptionCounts, at: string): void {
    this.maxUnavailable = Math.max(this.maxUnavailable, counts.unavailable);
    this.maxNotReady = Math.max(this.maxNotReady, counts.notReady);
    this.minSchedulableWorkers = Math.min(this.minSchedulableWorkers, counts.schedulableWorkers);
    for (const m of members) {
      if (!m.view.config) continue;
      if (m.kubeletRuns) this.see(m, 'talos', m.view.version, at);
      if (m.kubeletRuns) this.see(m, 'kubelet', m.facts.kubeletVersion, at);
      if (m.apiUp) this.see(m, 'apiserver', m.facts.apiServerVersion, at);
      if (m.kubeletRuns && m.facts.controlPlane) {
        const version = (component: 'kube-controller-manager' | 'kube-scheduler') =>
          imageTag(m.facts.images[component]) ?? m.facts.kubeletVersion;
        this.see(m, 'controller-manager', version('kube-controller-manager'), at);
        this.see(m, 'scheduler', version('kube-scheduler'), at);
      }
    }
  }

  private see(m: ObservedMember, component: Component, version: string, at: string): void {
    const key = `${m.view.serverId}/${component}`;
    const before = this.last.get(key);
    this.last.set(key, version);
    if (before === undefined || before === version) return;
    this.changes.push({
      node: m.view.hostname,
      serverId: m.view.serverId,
      component,
      from: before,
      to: version,
      at,
    });
  }

  /** Forgets extremes and changes (versions already seen stay known). */
  reset(current: DisruptionCounts): void {
    this.maxUnavailable = current.unavailable;
    this.maxNotReady = current.notReady;
    this.minSchedulableWorkers = current.schedulableWorkers;
    this.changes = [];
  }

  snapshot(
    id: string,
    name: string,
    endpoints: string[],
    nodes: { total: number; notReady: number; unavailable: number },
  ): ClusterRecord {
    return {
      id,
      name,
      endpoints: [...endpoints].sort(),
      nodes,
      maxUnavailable: { notReadyOrUnschedulable: this.maxUnavailable, notReady: this.maxNotReady },
      minAvailable: { schedulableWorkers: this.minSchedulableWorkers },
      versionChanges: this.changes.map((c) => ({ ...c })),
    };
  }
}
