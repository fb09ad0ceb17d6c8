/**
 * Performs infrastructure actions on Hetzner through one driver per resource type. Kinds that
 * belong to Talos and Kubernetes are not this runner's (no plan produces them yet).
 */
import { assertNever } from '../../errors.js';
import type { Action, ResourceType } from '../../plan/types.js';
import type { HcloudApi } from '../../providers/hcloud/index.js';
import type { ActionOutcome, ActionRunner, PendingAction, Reconciliation, RunContext } from '../runner.js';
import type { DriverContext } from './context.js';
import type { Driver } from './driver.js';
import { firewallDriver } from './firewall.js';
import { loadBalancerDriver } from './load-balancer.js';
import { serverDriver } from './server.js';
import { networkDriver, placementGroupDriver, sshKeyDriver, volumeDriver } from './simple.js';
import { subnetDriver } from './subnet.js';

const DRIVERS: Record<ResourceType, Driver | undefined> = {
  network: networkDriver,
  subnet: subnetDriver,
  firewall: firewallDriver,
  ssh_key: sshKeyDriver,
  placement_group: placementGroupDriver,
  server: serverDriver,
  load_balancer: loadBalancerDriver,
  volume: volumeDriver,
  floating_ip: undefined,
  talos_secrets: undefined,
  talos_config: undefined,
  talos_bootstrap: undefined,
  talos_kubeconfig: undefined,
};

function driverFor(type: string): Driver {
  const driver = DRIVERS[type as ResourceType];
  if (!driver) throw new Error(`no Hetzner driver for resource type ${type}`);
  return driver;
}

export function typeOfAddress(address: string): string {
  return address.slice(0, address.indexOf('.'));
}

export class HcloudRunner implements ActionRunner {
  constructor(private readonly api: HcloudApi) {}

  describe(action: Action): unknown {
    switch (action.kind) {
      case 'create':
        return { type: action.type, props: action.props };
      case 'update':
        return { type: action.type, id: action.resourceId, patch: action.patch };
      case 'replace':
        return { type: action.type, id: action.resourceId, props: action.after };
      case 'delete':
        return { type: action.type, id: action.resourceId };
      case 'drain':
        return { node: action.node };
      case 'upgrade':
      case 'apply-config':
      case 'bootstrap':
      case 'wait':
        return { kind: action.kind };
      default:
        return assertNever(action, 'action');
    }
  }

  async run(action: Action, run: RunContext): Promise<ActionOutcome> {
    const ctx: DriverContext = { api: this.api, run, address: action.address };
    switch (action.kind) {
      case 'create':
        return { resource: await driverFor(action.type).create(ctx, action.props) };
      case 'update':
        return { resource: await driverFor(action.type).update(ctx, action) };
      case 'replace': {
        const driver = driverFor(action.type);
        await driver.delete(ctx, action.resourceId, action.before);
        run.progress('old one deleted; creating the replacement');
        return { resource: await driver.create(ctx, action.after) };
      }
      case 'delete':
        await driverFor(action.type).delete(ctx, action.resourceId, action.before);
        return { resource: null };
      case 'drain':
        // Draining needs the cluster's Kubernetes API, which hk8s learns at bring-up (Talos); until
        // then there is no workload on the node to move.
        return { outputs: { drained: false, why: 'no Kubernetes API is recorded for this cluster yet' } };
      case 'upgrade':
      case 'apply-config':
      case 'bootstrap':
      case 'wait':
        throw new Error(`${action.kind} actions are not performed by the Hetzner runner`);
      default:
        return assertNever(action, 'action');
    }
  }

  async reconcile(pending: PendingAction, run: RunContext): Promise<Reconciliation> {
    const type = typeOfAddress(pending.address);
    if (pending.kind === 'drain' || !(type in DRIVERS) || !DRIVERS[type as ResourceType]) {
      return { status: 'not-done', reason: `${pending.kind} is planned again from what exists` };
    }
    const found = await driverFor(type).find({ api: this.api, run, address: pending.address });
    switch (pending.kind) {
      case 'create':
      case 'replace':
        return found
          ? { status: 'done', outcome: { resource: found, adopted: true } }
          : { status: 'not-done', reason: 'the resource was not created before the run stopped' };
      case 'delete':
        return found
          ? { status: 'not-done', reason: 'the resource still exists' }
          : { status: 'done', outcome: { resource: null } };
      default:
        return { status: 'not-done', reason: `${pending.kind} is planned again from what exists` };
    }
  }
}
