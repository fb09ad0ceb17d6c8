/**
 * The composition root: builds every collaborator the engine works with — the Hetzner client for
 * the spec's project or for the local sandbox (started if needed), how to reach Talos, how to
 * drain nodes, the operator's address — and hands them to the engine. The environment is read
 * here and nowhere below.
 */
import { lazyKubeClients } from '../execute/kube/clients.js';
import { declaredSecrets } from '../addons/secrets.js';
import { HCLOUD_TOKEN_SECRET } from '../addons/placeholders.js';
import { REAL_ADDON_TIMING, type AddonTiming } from '../execute/addons/runner.js';
import { kubernetesDrainer } from '../execute/kube/drainer.js';
import { REAL_KUBE_UPGRADE_TIMING, scaledKubeUpgradeTiming } from '../execute/talos/kube-upgrade-waits.js';
import { DEFAULT_TIMING } from '../providers/kube/client.js';
import { kubernetesNodes } from '../execute/talos/upgrade-kube.js';
import { REAL_TIMING, scaledTiming } from '../execute/talos/timing.js';
import { hcloudProvider } from '../engine/hcloud-provider.js';
import type { Provider } from '../engine/provider.js';
import type { Workspace } from '../engine/workspace.js';
import { createHcloudClient, type HcloudClient } from '../providers/hcloud/index.js';
// A constant only (no simulator code): where the sandbox's rescue systems answer SSH by default.
import { DEFAULT_RESCUE_PORT } from '@hk8s/sandbox/control';
import { ensureSandbox } from './sandbox.js';
import type { BuilderOptions } from '../execute/image/builder.js';
import { ssh2Connector } from '../execute/image/shell.js';
import { detectOperatorIpv4 } from './operator-ip.js';
import { sandboxDir } from './sandbox-dir.js';
import { resolveToken } from './token.js';
import { endpointOf, sandboxProject, tokenProject } from '../engine/target-identity.js';
import { resolve } from 'node:path';

/** The Talos API port on every node. */
const TALOS_PORT = 50000;

/** Sandbox durations scale with its speed; polling should too, or tests wait on the poller. */
export function sandboxSpeed(env: NodeJS.ProcessEnv): number {
  const speed = Number(env.HK8S_SANDBOX_SPEED ?? '1');
  return Number.isFinite(speed) && speed > 0 ? speed : 1;
}

/**
 * How images are built: over SSH on port 22 of the rescue system; the sandbox's simulated rescue
 * SSH listens on the server's loopback address at HK8S_SANDBOX_RESCUE_PORT, else at the sandbox's
 * default rescue port (the sandbox process reads the same variable).
 */
export function imageBuilderOptions(
  sandbox: boolean,
  env: NodeJS.ProcessEnv,
  pollScale: number,
): BuilderOptions | undefined {
  if (!sandbox)
    return { connect: ssh2Connector, sshPort: 22, timing: { sshReadyMs: 600_000, sshRetryMs: 5000 } };
  const raw = env.HK8S_SANDBOX_RESCUE_PORT;
  const port = raw === undefined || raw === '' ? DEFAULT_RESCUE_PORT : Number(raw);
  if (!Number.isInteger(port) || port <= 0) return undefined;
  const retry = Math.max(50, 5000 * pollScale);
  return { connect: ssh2Connector, sshPort: port, timing: { sshReadyMs: retry * 120, sshRetryMs: retry } };
}

/** Where Talos answers: on the sandbox, its simulated nodes may listen on another port. */
export function talosPort(sandbox: boolean, env: NodeJS.ProcessEnv = process.env): number {
  return sandbox ? Number(env.HK8S_SANDBOX_TALOS_PORT ?? TALOS_PORT) : TALOS_PORT;
}

export interface Endpoint {
  endpoint: string | undefined;
  token: string;
  /** How much faster than real time the other side runs (1 for Hetzner). */
  speed: number;
  /** Set for the sandbox: its world's directory, the sandbox's "project". */
  sandboxDir?: string;
}

export async function endpointFor(
  ws: Workspace,
  sandbox: boolean,
  env: NodeJS.ProcessEnv,
  notice: (text: string) => void,
): Promise<Endpoint> {
  if (!sandbox) {
    return { endpoint: ws.spec.hcloud.endpoint, token: await resolveToken(ws.spec, ws.root, env), speed: 1 };
  }
  const speed = sandboxSpeed(env);
  const running = await ensureSandbox(sandboxDir(ws.root), { speed });
  if (running.started) notice(`Started the sandbox cloud at ${running.url}.`);
  return { endpoint: running.url, token: 'sandbox', speed, sandboxDir: resolve(sandboxDir(ws.root)) };
}

/** On the sandbox, addons install as fast as its speed says: poll and give up as much sooner. */
function scaledAddonTiming(speed: number): AddonTiming {
  const scale = Math.min(1, speed);
  return {
    pollMs: Math.max(50, REAL_ADDON_TIMING.pollMs * scale),
    readyTimeoutMs: Math.max(20_000, REAL_ADDON_TIMING.readyTimeoutMs * scale),
    nodesTimeoutMs: Math.max(20_000, REAL_ADDON_TIMING.nodesTimeoutMs * scale),
    deleteTimeoutMs: Math.max(20_000, REAL_ADDON_TIMING.deleteTimeoutMs * scale),
  };
}

/** The Hetzner client for an endpoint: on the sandbox, polls and backs off as fast as its speed. */
export function hcloudClientFor(target: Endpoint, sandbox: boolean): HcloudClient {
  const pollScale = Math.min(1, target.speed);
  return createHcloudClient({
    endpoint: target.endpoint,
    token: target.token,
    pollIntervals: { initialMs: Math.max(10, 500 * pollScale), maxMs: Math.max(20, 2000 * pollScale) },
    retry: sandbox ? { backoffBaseMs: 50 * pollScale, backoffCapMs: 2000 * pollScale } : undefined,
    requestTimeoutMs: sandbox ? Math.max(2000, 30_000 * pollScale) : undefined,
  });
}

export interface ConnectOptions {
  sandbox: boolean;
  notice(text: string): void;
  env?: NodeJS.ProcessEnv;
}

export async function connectProvider(ws: Workspace, options: ConnectOptions): Promise<Provider> {
  const env = options.env ?? process.env;
  const {
    endpoint,
    token,
    speed,
    sandboxDir: world,
  } = await endpointFor(ws, options.sandbox, env, options.notice);
  const pollScale = Math.min(1, speed);
  const hcloud = hcloudClientFor({ endpoint, token, speed }, options.sandbox);
  // On the sandbox, pods and nodes go as fast as its speed says: poll for them as often, and give
  // up on a blocked drain (or a node that never gets Ready) as much sooner.
  const kubeTiming = options.sandbox
    ? {
        podPollMs: Math.max(50, 1000 * pollScale),
        nodePollMs: Math.max(50, 2000 * pollScale),
        drainTimeoutMs: Math.max(5000, DEFAULT_TIMING.drainTimeoutMs * pollScale),
        readyTimeoutMs: Math.max(20_000, DEFAULT_TIMING.readyTimeoutMs * pollScale),
      }
    : {};
  const kubeNodes = kubernetesDrainer(ws.cluster, kubeTiming);
  return hcloudProvider(ws.spec, ws.cluster, {
    hcloud,
    budget: () => hcloud.budget(),
    images: imageBuilderOptions(options.sandbox, env, pollScale),
    talos: {
      port: talosPort(options.sandbox, env),
      timing: options.sandbox ? scaledTiming(speed) : REAL_TIMING,
    },
    hcloudToken: token,
    // The sandbox's port changes with every start: it is recorded by name, its world by directory.
    target:
      world === undefined
        ? { endpoint: endpointOf(hcloud.endpoint), project: tokenProject(token) }
        : { endpoint: 'sandbox', project: sandboxProject(world) },
    drainer: kubeNodes,
    nodes: kubeNodes,
    kube: {
      // A plan must not hang on a cluster that is down: a few seconds, then the recorded configs.
      observe: lazyKubeClients({
        requestTimeoutMs: options.sandbox ? 3000 : 5000,
        retryAttempts: 2,
        retryBackoff: { initialMs: Math.max(20, 250 * pollScale), maxMs: 1000, factor: 2 },
      }),
      run: lazyKubeClients(
        options.sandbox
          ? { retryBackoff: { initialMs: Math.max(20, 250 * pollScale), maxMs: 4000, factor: 2 } }
          : {},
      ),
      upgradeTiming: options.sandbox ? scaledKubeUpgradeTiming(speed) : REAL_KUBE_UPGRADE_TIMING,
    },
    nodeKube: kubernetesNodes(ws.cluster, kubeNodes, kubeTiming),
    operatorIpv4: () => (options.sandbox ? Promise.resolve('127.0.0.1') : detectOperatorIpv4(env)),
    addons: {
      timing: options.sandbox ? scaledAddonTiming(speed) : REAL_ADDON_TIMING,
      kube: options.sandbox ? { nodePollMs: Math.max(50, 2000 * pollScale) } : {},
      hostSecrets: { [HCLOUD_TOKEN_SECRET]: token },
      declaredSecrets: declaredSecrets(ws.addons),
    },
  });
}

/** What the image commands need: the project's Hetzner API and how images are built there. */
export async function connectImages(
  ws: Workspace,
  options: ConnectOptions,
): Promise<{ api: HcloudClient; builder: BuilderOptions | undefined }> {
  const env = options.env ?? process.env;
  const target = await endpointFor(ws, options.sandbox, env, options.notice);
  return {
    api: hcloudClientFor(target, options.sandbox),
    builder: imageBuilderOptions(options.sandbox, env, Math.min(1, target.speed)),
  };
}
