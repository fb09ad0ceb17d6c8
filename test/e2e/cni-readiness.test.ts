/**
 * Ready means Ready, with the built CLI against a sandbox of its own, whose Kubernetes keeps a node
 * NotReady until a CNI agent runs on it (as a real kubelet does: "cni plugin not initialized").
 *
 * 1. Cilium disabled and no other CNI: apply installs every other addon, but its final gate
 *    (every node Ready) cannot pass: it fails with the exit code for failed actions (9), naming a
 *    NotReady node and the kubelet's reason, and kubectl shows every node NotReady.
 * 2. Cilium enabled with values the sandbox marks broken (`hk8sSandboxFail`): its installer Job
 *    fails; apply ends with 9 and an error naming the addon, the Job and the Job's message; the
 *    nodes stay NotReady.
 * 3. The value removed, `hk8s resume` plans again from the spec, runs the install again and finishes:
 *    every node Ready, with Cilium's agent on each.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxDirFor, workspace, type Workspace } from '../support/cli.js';

const SPEC = readFileSync(resolve('test/fixtures/cli/small.yaml'), 'utf8').replace(
  'name: cli',
  'name: cnirdy',
);
const BROKEN = 'chart cilium-1.19.6: values do not validate (test fault)';

interface NodeList {
  items: Array<{
    metadata: { name: string };
    status: { conditions: Array<{ type: string; status: string; message?: string }> };
  }>;
}

interface Event {
  type?: string;
  ok?: boolean;
  error?: { code: string; exitCode?: number; message: string; where?: string };
  action?: { address: string };
}

/** `--json` streams one event a line, then prints the result. */
function output(stdout: string): { events: Event[]; result: Event } {
  const lines = stdout.trim().split('\n');
  const last = lines.findLastIndex((line) => line.startsWith('{"type":'));
  return {
    events: lines.slice(0, last + 1).map((line) => JSON.parse(line) as Event),
    result: JSON.parse(lines.slice(last + 1).join('\n')) as Event,
  };
}

/** The run's one failed action and its final result. */
function failure(stdout: string): { failed: Event; result: Event } {
  const { events, result } = output(stdout);
  const failed = events.filter((e) => e.type === 'action-failed');
  expect(failed).toHaveLength(1);
  expect(result.ok).toBe(false);
  expect(result.error?.exitCode).toBe(9);
  return { failed: failed[0] ?? {}, result };
}

let ws: Workspace;

function kubectl(...args: string[]): string {
  return execFileSync('kubectl', ['--kubeconfig', join(ws.dir, 'kubeconfig'), ...args], { encoding: 'utf8' });
}

function readiness(): Array<{ name: string; ready: string; message: string }> {
  const nodes = JSON.parse(kubectl('get', 'nodes', '-o', 'json')) as NodeList;
  return nodes.items.map((n) => {
    const ready = n.status.conditions.find((c) => c.type === 'Ready');
    return { name: n.metadata.name, ready: ready?.status ?? '', message: ready?.message ?? '' };
  });
}

beforeAll(() => {
  ws = workspace({ sandboxDir: sandboxDirFor('cni-readiness') });
});

afterAll(() => {
  ws?.run('sandbox', 'stop');
});

describe('nodes are Ready only once a CNI runs', () => {
  it('without Cilium, apply does not succeed and every node stays NotReady', () => {
    ws.writeSpec(`${SPEC}addons:\n  cilium:\n    enabled: false\n`);
    const apply = ws.run('apply', '--sandbox', '--auto-approve', '--json');
    expect(apply.code, apply.stderr).toBe(9);
    const { failed } = failure(apply.stdout);
    expect(failed.action?.address).toBe('cluster.ready');
    expect(failed.error?.code).toBe('cluster.not-ready');
    expect(failed.error?.message).toMatch(
      /^the cluster is not Ready: node cnirdy-\S+ is NotReady \(container runtime network not ready: NetworkReady=false .*cni plugin not initialized\)/,
    );
    writeFileSync(join(ws.dir, 'kubeconfig'), ws.run('kubeconfig', '--sandbox').stdout);
    const nodes = readiness();
    expect(nodes).toHaveLength(3);
    for (const node of nodes) {
      expect(node.ready).toBe('False');
      expect(node.message).toMatch(/cni plugin not initialized/);
    }
    expect(kubectl('get', 'nodes', '--no-headers')).not.toMatch(/\sReady\s/);
    expect(kubectl('get', 'daemonsets', '-A', '-o', 'name')).not.toMatch(/cilium/);
  });

  it('a Cilium install the sandbox fails is reported with the addon, the Job and its message', () => {
    ws.writeSpec(`${SPEC}addons:\n  cilium:\n    values:\n      hk8sSandboxFail: '${BROKEN}'\n`);
    const apply = ws.run('apply', '--sandbox', '--auto-approve', '--json');
    expect(apply.code, apply.stderr).toBe(9);
    const { failed } = failure(apply.stdout);
    expect(failed.action?.address).toBe('addon.cilium');
    expect(failed.error?.code).toBe('addon.not-ready');
    expect(failed.error?.message).toMatch(
      `addon cilium: Job kube-system/hk8s-install-cilium failed: Job has reached the specified backoff limit: ${BROKEN}. `,
    );
    expect(readiness().every((n) => n.ready === 'False')).toBe(true);
  });

  it('fixed, resume installs Cilium and finishes with every node Ready', () => {
    ws.writeSpec(SPEC);
    const resume = ws.run('resume', '--sandbox', '--auto-approve', '--json');
    const why = resume.stdout
      .split('\n')
      .filter((l) => l.includes('"action-failed"'))
      .join('\n');
    expect(resume.code, why + resume.stderr).toBe(0);
    expect(output(resume.stdout).result).toMatchObject({ outcome: 'succeeded' });
    const nodes = readiness();
    expect(nodes).toHaveLength(3);
    for (const node of nodes) expect(node.ready, node.name).toBe('True');
    const agents = kubectl(
      'get',
      'pods',
      '-n',
      'kube-system',
      '-l',
      'k8s-app=cilium',
      '-o',
      'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}',
    );
    expect(agents.trim().split('\n').sort()).toEqual(nodes.map((n) => n.name).sort());
    const job = kubectl(
      'get',
      'job',
      '-n',
      'kube-system',
      'hk8s-install-cilium',
      '-o',
      'jsonpath={.status.conditions[0].type}',
    );
    expect(job).toBe('Complete');
  });
});
