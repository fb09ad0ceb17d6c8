/**
 * What a Kubernetes upgrade step waits for, through the Kubernetes API (talos.md §6.2): the node's
 * pod of a control-plane component (`k8s-app=<component>`, on that node) running the new image and
 * Ready; the Node's kubelet at the new version and Ready; every kube-proxy pod on the new image.
 * A wait that passes its deadline fails naming the node, the component and what was last seen.
 */
import { Hk8sError } from '../../errors.js';
import type { Clock, KubeClient, PodInfo } from '../../providers/kube/index.js';
import { isTransientKubeError, systemClock } from '../../providers/kube/index.js';
import { imageVersion, type ControlPlanePod } from '../../talos/config/index.js';

export interface KubeUpgradeTiming {
  /** Per control-plane component and node: 5 minutes, as upgrade-k8s. */
  componentTimeoutMs: number;
  /** Per kubelet: 3 minutes, as upgrade-k8s. */
  kubeletTimeoutMs: number;
  /** The kube-proxy pods after the manifests: 5 minutes. */
  rolloutTimeoutMs: number;
  /** Between checks. */
  pollMs: number;
  clock?: Clock;
}

export const REAL_KUBE_UPGRADE_TIMING: KubeUpgradeTiming = {
  componentTimeoutMs: 300_000,
  kubeletTimeoutMs: 180_000,
  rolloutTimeoutMs: 300_000,
  pollMs: 2000,
};

/** The sandbox runs `speed` times real time: poll that much more often, keep real deadlines. */
export function scaledKubeUpgradeTiming(speed: number): KubeUpgradeTiming {
  return { ...REAL_KUBE_UPGRADE_TIMING, pollMs: Math.max(20, REAL_KUBE_UPGRADE_TIMING.pollMs * speed) };
}

/** One look: undefined when done, else what is still missing (for progress and the timeout). */
type Probe = () => Promise<string | undefined>;

interface WaitFor {
  what: string;
  where: string;
  timeoutMs: number;
  signal: AbortSignal;
  progress(message: string): void;
}

function duration(ms: number): string {
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

async function until(timing: KubeUpgradeTiming, wait: WaitFor, probe: Probe): Promise<void> {
  const clock = timing.clock ?? systemClock;
  const deadline = clock.now() + wait.timeoutMs;
  let missing = 'not looked at yet';
  let said: string | undefined;
  for (;;) {
    try {
      const result = await probe();
      if (result === undefined) return;
      missing = result;
    } catch (error) {
      // An API server restarting is what this step causes: keep looking until the deadline.
      if (!isTransientKubeError(error)) throw error;
      missing = `the Kubernetes API did not answer (${(error as Error).message})`;
    }
    if (missing !== said) wait.progress(`waiting: ${missing}`);
    said = missing;
    const left = deadline - clock.now();
    if (left <= 0) {
      throw new Hk8sError('provider.unavailable', `${wait.what} within ${duration(wait.timeoutMs)}`, {
        where: wait.where,
        detail: `last seen: ${missing}`,
        hint: `Last seen: ${missing}. Check it with \`kubectl -n kube-system get pods -o wide\` and \`hk8s status\`; \`hk8s resume\` runs the step again.`,
      });
    }
    await clock.sleep(Math.min(left, timing.pollMs), wait.signal);
  }
}

function podVersion(pod: PodInfo, container: string): string | undefined {
  const image = pod.images[container] ?? Object.values(pod.images)[0];
  return image ? imageVersion(image) : undefined;
}

function describePod(pod: PodInfo, container: string): string {
  const state = pod.terminating
    ? 'terminating'
    : pod.ready
      ? 'Ready'
      : `not Ready (${pod.phase ?? 'Pending'})`;
  return `${pod.name} runs ${podVersion(pod, container) ?? 'an unknown version'}, ${state}`;
}

export interface PodTarget {
  component: ControlPlanePod;
  /** The Node's name (the node's hostname) and its addresses, to find its pod. */
  nodeName: string;
  nodeIps: string[];
  version: string;
}

/** Looks once: undefined when that node's pod of the component runs `version` and is Ready. */
export async function controlPlanePodMissing(kube: KubeClient, target: PodTarget, signal?: AbortSignal) {
  const pods = await kube.listPods(
    { namespace: 'kube-system', labelSelector: `k8s-app=${target.component}` },
    signal ? { signal } : {},
  );
  const own = pods.filter(
    (p) =>
      !p.terminating &&
      (p.nodeName === target.nodeName || (p.hostIP !== undefined && target.nodeIps.includes(p.hostIP))),
  );
  if (own.some((p) => p.ready && podVersion(p, target.component) === target.version)) return undefined;
  if (own.length === 0) return `no ${target.component} pod on ${target.nodeName}`;
  return own.map((p) => describePod(p, target.component)).join('; ');
}

export function waitForControlPlanePod(
  kube: KubeClient,
  timing: KubeUpgradeTiming,
  target: PodTarget,
  wait: Omit<WaitFor, 'what' | 'timeoutMs'>,
): Promise<void> {
  return until(
    timing,
    {
      ...wait,
      what: `${target.component} on ${target.nodeName} did not run ${target.version} and become Ready`,
      timeoutMs: timing.componentTimeoutMs,
    },
    () => controlPlanePodMissing(kube, target, wait.signal),
  );
}

/** Looks once: undefined when the Node reports kubelet `version` and is Ready. */
export async function kubeletMissing(
  kube: KubeClient,
  nodeName: string,
  version: string,
  signal?: AbortSignal,
) {
  const node = await kube.getNode(nodeName, signal ? { signal } : {});
  if (!node) return `node ${nodeName} is not registered`;
  if (node.kubeletVersion === version && node.ready) return undefined;
  return `node ${nodeName}: kubelet ${node.kubeletVersion ?? 'unknown'}, ${node.ready ? 'Ready' : 'NotReady'}`;
}

export function waitForKubelet(
  kube: KubeClient,
  timing: KubeUpgradeTiming,
  nodeName: string,
  version: string,
  wait: Omit<WaitFor, 'what' | 'timeoutMs'>,
): Promise<void> {
  return until(
    timing,
    {
      ...wait,
      what: `the kubelet on ${nodeName} did not report ${version} and Ready`,
      timeoutMs: timing.kubeletTimeoutMs,
    },
    () => kubeletMissing(kube, nodeName, version, wait.signal),
  );
}

/** Until every kube-proxy pod (at least one) runs `version` and is Ready. */
export function waitForProxyRollout(
  kube: KubeClient,
  timing: KubeUpgradeTiming,
  version: string,
  wait: Omit<WaitFor, 'what' | 'timeoutMs'>,
): Promise<void> {
  return until(
    timing,
    {
      ...wait,
      what: `the kube-proxy pods did not all run ${version} and become Ready`,
      timeoutMs: timing.rolloutTimeoutMs,
    },
    async () => {
      const pods = (
        await kube.listPods(
          { namespace: 'kube-system', labelSelector: 'k8s-app=kube-proxy' },
          { signal: wait.signal },
        )
      ).filter((p) => !p.terminating);
      const behind = pods.filter((p) => !p.ready || podVersion(p, 'kube-proxy') !== version);
      if (pods.length > 0 && behind.length === 0) return undefined;
      if (pods.length === 0) return 'no kube-proxy pod';
      return `${behind.length} of ${pods.length} kube-proxy pods not on ${version}: ${behind
        .slice(0, 3)
        .map((p) => describePod(p, 'kube-proxy'))
        .join('; ')}`;
    },
  );
}
