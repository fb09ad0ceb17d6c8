/**
 * The control-plane endpoint with the built CLI on the sandbox: a 3 + 1 cluster gets the public
 * VIP by default (a floating IP Talos moves) and the private VIP (an alias IP); the kubeconfig
 * points at the floating IP, and while control plane 1 is off the API keeps answering through it,
 * because Talos on another control plane has taken both VIPs over, as the cloud API shows.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';
import { sandboxOrigin } from '../support/sandbox-client.js';

const SPEC = `cluster:
  name: vip-e2e
  # The last test turns the VIP off, deleting the floating IP: protection would refuse it.
  deleteProtection: false
firewall:
  apiSources: [127.0.0.1/32]
controlPlane:
  pools:
    - { name: cp, location: fsn1, type: cpx22, count: 3 }
workers:
  pools:
    - { name: w, location: fsn1, type: cpx32, count: 1 }
`;
const SPEED = 0.05;
const PRIVATE_VIP = '10.0.64.126';

const sandboxDir = sandboxDirFor('endpoint');
let ws: Workspace;

interface ServerJson {
  id: number;
  name: string;
  labels: Record<string, string>;
  private_net: { alias_ips: string[] }[];
}

interface FloatingIpJson {
  id: number;
  ip: string;
  server: number | null;
  labels: Record<string, string>;
}

/** The sandbox's Hetzner API, as any Hetzner client would read it. */
async function cloud<T>(path: string, method = 'GET'): Promise<T> {
  const response = await fetch(`${sandboxOrigin(sandboxDir)}/v1${path}`, {
    method,
    headers: { authorization: 'Bearer e2e', connection: 'close' },
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status}`);
  return (await response.json()) as T;
}

const servers = async () => (await cloud<{ servers: ServerJson[] }>('/servers?per_page=50')).servers;
const floatingIp = async () => {
  const { floating_ips: all } = await cloud<{ floating_ips: FloatingIpJson[] }>('/floating_ips');
  return all.find((f) => f.labels['hk8s.io/address'] === 'floating_ip.control-plane');
};
const aliasCarriers = async () =>
  (await servers()).filter((s) => s.private_net.some((p) => p.alias_ips.includes(PRIVATE_VIP)));

function kubectl(file: string, ...args: string[]) {
  const r = spawnSync('kubectl', ['--kubeconfig', file, '--request-timeout', '5s', ...args], {
    encoding: 'utf8',
    env: { ...process.env, HOME: ws.dir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(() => {
  ws = workspace({ sandboxDir, speed: SPEED });
  expect(ws.run('sandbox', 'start', '--speed', String(SPEED)).code).toBe(0);
  ws.writeSpec(SPEC);
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

describe('the control-plane endpoint', () => {
  let kubeconfig: string;
  let cp1: ServerJson;

  it('plans the floating IP by default and applies the cluster; a second plan is empty', () => {
    const plan = ws.run('plan', '--sandbox');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/floating_ip\.control-plane\s+create/);
    expect(plan.stdout).toContain('name: "vip-e2e-control-plane-ipv4"');
    // The default gives a VIP: no warning about a single-node endpoint.
    expect(plan.stderr).not.toContain('through one control plane only');
    const apply = ws.run('apply', '--sandbox', '--auto-approve');
    expect(apply.code, apply.stdout.slice(-3000) + apply.stderr).toBe(0);
    const again = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(again.code, again.stdout).toBe(0);
  });

  it('points the kubeconfig at the floating IP, which Talos gave to control plane 1 with the alias IP', async () => {
    kubeconfig = join(ws.dir, 'admin.kubeconfig');
    expect(ws.run('kubeconfig', '-o', kubeconfig).code).toBe(0);
    const fip = await floatingIp();
    if (!fip) throw new Error('no floating IP with the address floating_ip.control-plane');
    const server = execFileSync(
      'kubectl',
      ['--kubeconfig', kubeconfig, 'config', 'view', '-o', 'jsonpath={.clusters[0].cluster.server}'],
      {
        encoding: 'utf8',
      },
    );
    expect(server).toBe(`https://${fip.ip}:6443`);
    const all = await servers();
    const first = all.find((s) => s.labels['hk8s.io/address'] === 'server.cp.1');
    if (!first) throw new Error('no server.cp.1');
    cp1 = first;
    await waitFor('the floating IP on cp-1', async () => (await floatingIp())?.server === cp1.id);
    expect((await aliasCarriers()).map((s) => s.name)).toEqual(['vip-e2e-cp-1']);
    const nodes = kubectl(kubeconfig, 'get', 'nodes', '--no-headers');
    expect(nodes.code, nodes.stderr).toBe(0);
    expect(nodes.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('keeps answering through the endpoint while control plane 1 is off: both VIPs moved', async () => {
    await cloud(`/servers/${cp1.id}/actions/poweroff`, 'POST');
    // Until Talos on another control plane has taken the VIP over, a call may find no one there;
    // from then on, every call must be answered.
    const outcomes: { moved: boolean; ok: boolean; cp1NotReady: boolean }[] = [];
    while (outcomes.filter((o) => o.moved && o.ok && o.cp1NotReady).length < 5 && outcomes.length < 200) {
      const fip = await floatingIp();
      const moved = fip?.server !== null && fip?.server !== cp1.id;
      const r = kubectl(kubeconfig, 'get', 'nodes', '--no-headers');
      outcomes.push({ moved, ok: r.code === 0, cp1NotReady: /vip-e2e-cp-1\s+NotReady/.test(r.stdout) });
    }
    const afterMove = outcomes.slice(outcomes.findIndex((o) => o.moved));
    expect(afterMove.length).toBeGreaterThanOrEqual(5);
    expect(afterMove.filter((o) => !o.ok)).toEqual([]);
    expect(afterMove.some((o) => o.cp1NotReady)).toBe(true);
    const fip = await floatingIp();
    const holder = (await servers()).find((s) => s.id === fip?.server);
    expect(holder?.name).toMatch(/^vip-e2e-cp-[23]$/);
    await waitFor('the alias IP moved', async () =>
      (await aliasCarriers()).every((s) => s.name === holder?.name),
    );
    expect((await aliasCarriers()).map((s) => s.name)).toEqual([holder?.name]);
  });

  it('stays where it went when control plane 1 is back, and the next plan is empty', async () => {
    await cloud(`/servers/${cp1.id}/actions/poweron`, 'POST');
    await waitFor('cp-1 Ready again', async () =>
      /vip-e2e-cp-1\s+Ready/.test(kubectl(kubeconfig, 'get', 'nodes', '--no-headers').stdout),
    );
    expect((await floatingIp())?.server).not.toBe(cp1.id);
    const plan = ws.run('plan', '--sandbox', '--detailed-exitcode');
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });

  it('warns when the spec explicitly leaves one node as the endpoint of several control planes', () => {
    ws.writeSpec(SPEC.replace('controlPlane:\n', 'controlPlane:\n  publicVipIpv4: { enabled: false }\n'));
    const plan = ws.run('plan', '--sandbox');
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(
      /Warning: the kubeconfig \(and hk8s itself\) reach the Kubernetes API through one control plane only, server\.cp\.1/,
    );
    // Turning the VIP off deletes the floating IP and points the kubeconfig back at a node.
    expect(plan.stdout).toMatch(/floating_ip\.control-plane\s+delete/);
    expect(plan.stdout).toMatch(/talos\.kubeconfig\s+update/);
    ws.writeSpec(SPEC);
  });
});
