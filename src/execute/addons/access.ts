/**
 * How the addon runners reach the cluster: a Kubernetes client over the admin kubeconfig hk8s keeps,
 * created on first use (client-node is slow to load), the values placeholders stand for, and how
 * often and how long to poll.
 */
import { randomBytes } from 'node:crypto';
import { Hk8sError } from '../../errors.js';
import { KUBECONFIG_SECRET } from '../../plan/talos/nodes.js';
import type { KubeClient, KubeTimingOptions } from '../../providers/kube/index.js';
import type { SecretRequest } from '../../addon/index.js';
import {
  fillPlaceholders,
  HCLOUD_TOKEN_SECRET,
  placeholdersIn,
  type Placeholder,
} from '../../addons/placeholders.js';
import { InterruptedError, type RunContext } from '../runner.js';

export interface AddonTiming {
  pollMs: number;
  /** How long an addon may take to become Ready. */
  readyTimeoutMs: number;
  /** How long the nodes may take to become Ready once every addon is. */
  nodesTimeoutMs: number;
  /** How long a deleted HelmChart may take to uninstall its release. */
  deleteTimeoutMs: number;
}

export const REAL_ADDON_TIMING: AddonTiming = {
  pollMs: 3000,
  readyTimeoutMs: 15 * 60_000,
  nodesTimeoutMs: 10 * 60_000,
  deleteTimeoutMs: 5 * 60_000,
};

export interface AddonAccessOptions {
  timing: AddonTiming;
  kube?: KubeTimingOptions;
  /** Values hk8s holds but never records (the Hetzner token), by secret name. */
  hostSecrets: Readonly<Record<string, string>>;
  /** Every secret the loaded addons declared, by store name (`addon.<addon>.<secret>`). */
  declaredSecrets: ReadonlyMap<string, SecretRequest>;
}

export class AddonAccess {
  private client?: Promise<KubeClient>;
  private clientFor?: string;

  constructor(readonly options: AddonAccessOptions) {}

  get timing(): AddonTiming {
    return this.options.timing;
  }

  async kube(ctx: RunContext): Promise<KubeClient> {
    const kubeconfig = ctx.secrets.get(KUBECONFIG_SECRET);
    if (!kubeconfig) {
      throw new Hk8sError('addon.apply', 'the cluster has no kubeconfig yet', {
        hint: 'Addons are applied once the cluster is up; run `hk8s apply` to bring it up first.',
      });
    }
    if (!this.client || this.clientFor !== kubeconfig) {
      const { createKubeClient } = await import('../../providers/kube/index.js');
      this.client = createKubeClient(kubeconfig, this.options.kube ?? {});
      this.clientFor = kubeconfig;
    }
    return this.client;
  }

  /**
   * The object with its placeholders replaced. A declared secret not generated yet is drawn now and
   * recorded in the event log before it is used, so a crash cannot lose it.
   */
  async fill<T>(value: T, ctx: RunContext, where: string): Promise<T> {
    for (const placeholder of placeholdersIn(value)) {
      if (placeholder.kind !== 'secret' || ctx.secrets.get(placeholder.name) !== undefined) continue;
      const request = this.options.declaredSecrets.get(placeholder.name);
      if (!request) continue;
      await ctx.secrets.put(placeholder.name, randomBytes(request.bytes).toString(request.encoding));
    }
    try {
      return fillPlaceholders(value, (p) => this.valueOf(p, ctx));
    } catch (error) {
      throw new Hk8sError('addon.apply', `${where}: ${(error as Error).message}`, {
        where,
        hint: 'The value is created earlier in the run; run `hk8s apply` again, or report a bug if it persists.',
      });
    }
  }

  private valueOf(placeholder: Placeholder, ctx: RunContext): string | undefined {
    if (placeholder.kind === 'id') return ctx.idOf(placeholder.address);
    if (placeholder.name === HCLOUD_TOKEN_SECRET) return this.options.hostSecrets[HCLOUD_TOKEN_SECRET];
    return ctx.secrets.get(placeholder.name) ?? this.options.hostSecrets[placeholder.name];
  }
}

/** Resolves after `ms`, or rejects when the run is interrupted. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new InterruptedError());
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
