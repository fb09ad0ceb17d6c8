/**
 * Builds the provider a command works with: the Hetzner client for the spec's project, or the
 * same client pointed at the local sandbox. The only difference is the endpoint.
 */
import { sandboxDir } from '../cli/sandbox-dir.js';
import { CompositeRunner } from '../execute/composite-runner.js';
import { HcloudRunner } from '../execute/hcloud/runner.js';
import { REAL_TIMING, scaledTiming } from '../execute/talos/connections.js';
import { TalosRunner } from '../execute/talos/runner.js';
import { resolveNetworkLayout } from '../spec/network.js';
import { observeHcloud } from '../observe/hcloud.js';
import type { InfraSpec } from '../resources/hcloud/infra-spec.js';
import { createHcloudClient } from '../providers/hcloud/index.js';
import { ensureSandbox } from '../sandbox/control.js';
import { detectOperatorIpv4, needsOperatorIp } from './operator-ip.js';
import type { Provider } from './provider.js';
import { resolveToken } from './token.js';
import type { Workspace } from './workspace.js';

/** The Talos API port on every node. */
const TALOS_PORT = 50000;

export interface ConnectOptions {
  sandbox: boolean;
  onNotice(text: string): void;
}

/** Sandbox durations scale with its speed; polling should too, or tests wait on the poller. */
function sandboxSpeed(): number {
  const speed = Number(process.env.HK8S_SANDBOX_SPEED ?? '1');
  return Number.isFinite(speed) && speed > 0 ? speed : 1;
}

export async function connectProvider(ws: Workspace, options: ConnectOptions): Promise<Provider> {
  let endpoint: string | undefined = ws.spec.hcloud.endpoint;
  let token: string;
  let pollScale = 1;
  if (options.sandbox) {
    const speed = sandboxSpeed();
    const sandbox = await ensureSandbox(sandboxDir(ws.root), { speed });
    if (sandbox.started) options.onNotice(`Started the sandbox cloud at ${sandbox.url}.`);
    endpoint = sandbox.url;
    token = 'sandbox';
    pollScale = Math.min(1, speed);
  } else {
    token = await resolveToken(ws.spec, ws.root);
  }
  const client = createHcloudClient({
    endpoint,
    token,
    pollIntervals: { initialMs: Math.max(10, 500 * pollScale), maxMs: Math.max(20, 2000 * pollScale) },
    retry: options.sandbox ? { backoffBaseMs: 50 * pollScale, backoffCapMs: 2000 * pollScale } : undefined,
    requestTimeoutMs: options.sandbox ? Math.max(2000, 30_000 * pollScale) : undefined,
  });
  const infra = ws.spec as unknown as InfraSpec;
  let operatorIpv4: Promise<string> | undefined;
  const talos = new TalosRunner({
    spec: ws.spec,
    layout: resolveNetworkLayout(ws.spec),
    port: options.sandbox ? Number(process.env.HK8S_SANDBOX_TALOS_PORT ?? TALOS_PORT) : TALOS_PORT,
    timing: options.sandbox ? scaledTiming(sandboxSpeed()) : REAL_TIMING,
  });
  return {
    runner: new CompositeRunner(new HcloudRunner(client), talos),
    talos: true,
    async observe(observeOptions = {}) {
      const observation = await observeHcloud(client, ws.cluster, observeOptions);
      for (const item of observation.unaddressed) {
        options.onNotice(
          `Note: ${item.kind} ${item.name} (${item.id}) has this cluster's label but no hk8s address; hk8s leaves it alone.`,
        );
      }
      if (!needsOperatorIp(infra)) return { resources: observation.resources };
      operatorIpv4 ??= options.sandbox ? Promise.resolve('127.0.0.1') : detectOperatorIpv4();
      return { resources: observation.resources, operatorIpv4: await operatorIpv4 };
    },
  };
}
