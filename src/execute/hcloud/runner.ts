/**
 * The Hetzner resource types as resource drivers: each adapts its type's driver (create, update,
 * delete, find by address label) to the resource kinds. Dispatch only; what a type does is in its
 * own module.
 */
import type { ResourceAction, ResourceType } from '../../plan/types.js';
import type { HcloudApi } from '../../providers/hcloud/index.js';
import type { ResourceDriver } from '../resources.js';
import { planAgain } from '../runners.js';
import type { PendingAction, Reconciliation, RunContext } from '../runner.js';
import type { DriverContext } from './context.js';
import type { Driver } from './driver.js';
import { firewallDriver } from './firewall.js';
import { loadBalancerDriver } from './load-balancer.js';
import { serverDriver } from './server.js';
import { networkDriver, placementGroupDriver, sshKeyDriver, volumeDriver } from './simple.js';
import { subnetDriver } from './subnet.js';

export type HcloudType = Exclude<ResourceType, `talos_${string}`>;

const DRIVERS: Record<HcloudType, Driver | undefined> = {
  network: networkDriver,
  subnet: subnetDriver,
  firewall: firewallDriver,
  ssh_key: sshKeyDriver,
  placement_group: placementGroupDriver,
  server: serverDriver,
  load_balancer: loadBalancerDriver,
  volume: volumeDriver,
  floating_ip: undefined,
};

/** The request journaled in ActionStarted: what is sent, never a secret. */
export function describeHcloud(action: ResourceAction): unknown {
  switch (action.kind) {
    case 'create':
      return { type: action.type, props: action.props };
    case 'update':
      return { type: action.type, id: action.resourceId, patch: action.patch };
    case 'replace':
      return { type: action.type, id: action.resourceId, props: action.after };
    case 'delete':
      return { type: action.type, id: action.resourceId };
  }
}

async function reconcileHcloud(
  driver: Driver,
  api: HcloudApi,
  pending: PendingAction,
  run: RunContext,
): Promise<Reconciliation> {
  switch (pending.kind) {
    case 'create':
    case 'replace': {
      const found = await driver.find({ api, run, address: pending.address });
      return found
        ? { status: 'done', outcome: { resource: found, adopted: true } }
        : { status: 'not-done', reason: 'the resource was not created before the run stopped' };
    }
    case 'delete': {
      const found = await driver.find({ api, run, address: pending.address });
      return found
        ? { status: 'not-done', reason: 'the resource still exists' }
        : { status: 'done', outcome: { resource: null } };
    }
    case 'update':
    case 'drain':
    case 'leave-etcd':
    case 'apply-config':
    case 'bootstrap':
    case 'wait':
      return planAgain(pending);
  }
}

function hcloudDriver(type: HcloudType, api: HcloudApi): ResourceDriver {
  const driverFor = (): Driver => {
    const driver = DRIVERS[type];
    if (!driver) throw new Error(`no Hetzner driver for resource type ${type}`);
    return driver;
  };
  const ctx = (action: ResourceAction, run: RunContext): DriverContext => ({
    api,
    run,
    address: action.address,
  });
  return {
    describe: describeHcloud,
    create: async (action, run) => ({ resource: await driverFor().create(ctx(action, run), action.props) }),
    update: async (action, run) => ({ resource: await driverFor().update(ctx(action, run), action) }),
    replace: async (action, run) => {
      const driver = driverFor();
      await driver.delete(ctx(action, run), action.resourceId, action.before);
      run.progress('old one deleted; creating the replacement');
      return { resource: await driver.create(ctx(action, run), action.after) };
    },
    delete: async (action, run) => {
      await driverFor().delete(ctx(action, run), action.resourceId, action.before);
      return { resource: null };
    },
    reconcile: async (pending, run) => {
      const driver = DRIVERS[type];
      return driver ? reconcileHcloud(driver, api, pending, run) : planAgain(pending);
    },
  };
}

/** One resource driver per Hetzner type, over one API client. */
export function hcloudDrivers(api: HcloudApi): Record<HcloudType, ResourceDriver> {
  const of = (type: HcloudType) => hcloudDriver(type, api);
  return {
    network: of('network'),
    subnet: of('subnet'),
    firewall: of('firewall'),
    ssh_key: of('ssh_key'),
    placement_group: of('placement_group'),
    server: of('server'),
    load_balancer: of('load_balancer'),
    volume: of('volume'),
    floating_ip: of('floating_ip'),
  };
}
