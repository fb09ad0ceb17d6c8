/**
 * The provider of a Hetzner cluster, assembled from collaborators the composition root (the CLI)
 * builds: the API client (for the cloud or the sandbox: only its endpoint differs), how to reach
 * Talos, how to drain nodes, and how to learn the operator's address. Here the runners of every
 * action kind are put together; nothing here reads the environment or knows the sandbox.
 */
import { drainRunner, type NodeDrainer } from '../execute/drain.js';
import { hcloudDrivers } from '../execute/hcloud/runner.js';
import { resourceRunners } from '../execute/resources.js';
import { KindDispatcher, type KindRunners } from '../execute/runners.js';
import type { TalosTiming } from '../execute/talos/connections.js';
import { talosRunners } from '../execute/talos/runner.js';
import { observeHcloud } from '../observe/hcloud.js';
import type { InfraSpec } from '../resources/hcloud/infra-spec.js';
import type { HcloudApi } from '../providers/hcloud/index.js';
import { resolveNetworkLayout } from '../spec/network.js';
import type { Spec } from '../spec/schema.js';
import { needsOperatorIp } from './operator-ip.js';
import type { Provider } from './provider.js';

export interface ProviderParts {
  /** The Hetzner API client, pointed at the cloud or the sandbox. */
  hcloud: HcloudApi;
  talos: { port: number; timing: TalosTiming };
  drainer: NodeDrainer;
  /** The Hetzner token the client uses; Talos's VIP controller on the control planes gets it too. */
  hcloudToken: string;
  /** The operator's public IPv4; asked at most once, and only when the firewall needs it. */
  operatorIpv4(): Promise<string>;
  close?(): Promise<void>;
}

/** One runner per action kind; the resource kinds go through one driver per resource type. */
export function clusterRunners(spec: Spec, parts: ProviderParts): KindRunners {
  const talos = talosRunners({
    spec,
    layout: resolveNetworkLayout(spec),
    port: parts.talos.port,
    timing: parts.talos.timing,
    hcloudToken: parts.hcloudToken,
  });
  return {
    ...resourceRunners({ ...hcloudDrivers(parts.hcloud), ...talos.drivers }),
    ...talos.kinds,
    drain: drainRunner(parts.drainer),
  };
}

export function hcloudProvider(spec: Spec, cluster: string, parts: ProviderParts): Provider {
  const infra: InfraSpec = spec;
  let operatorIpv4: Promise<string> | undefined;
  return {
    runner: new KindDispatcher(clusterRunners(spec, parts)),
    talos: true,
    hcloudToken: parts.hcloudToken,
    async observe(observeOptions = {}) {
      const observation = await observeHcloud(parts.hcloud, cluster, observeOptions);
      const unaddressed = observation.unaddressed.map((o) => ({ ...o, id: String(o.id) }));
      if (!needsOperatorIp(infra)) return { resources: observation.resources, unaddressed };
      operatorIpv4 ??= parts.operatorIpv4();
      return { resources: observation.resources, unaddressed, operatorIpv4: await operatorIpv4 };
    },
    ...(parts.close ? { close: parts.close } : {}),
  };
}
