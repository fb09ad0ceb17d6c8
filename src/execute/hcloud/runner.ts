/**
 * The Hetzner resource types as resource drivers: each adapts its type's module driver (create,
 * update, delete, find by address label) to the resource kinds. Dispatch only; what a type does is
 * in its own module under src/resources/hcloud.
 */
import type { HcloudResourceType, ResourceAction } from '../../plan/types.js';
import type { HcloudApi } from '../../providers/hcloud/index.js';
import { HCLOUD_RESOURCES, type HcloudRegistry } from '../../resources/registry.js';
import type { Driver, DriverContext } from '../../resources/types.js';
import type { ResourceDriver } from '../resources.js';
import { planAgain } from '../runners.js';
import type { PendingAction, Reconciliation, RunContext } from '../runner.js';

/** The request journaled in ActionStarted: what is sent, never a secret. */
export function describeHcloud(action: ResourceAction): unknown {
  switch (action.kind) {
    case 'create':
      return { type: action.type, props: action.props };
    case 'update':
      return { type: action.type, id: action.resourceId, patch: action.patch };
    case 'replace':
      return { type: action.type, id: action.resourceId, props: action.props };
    case 'delete':
      return { type: action.type, id: action.resourceId };
  }
}

/** The id of the resource a replacement started on, as its ActionStarted request recorded it. */
function replacedId(request: unknown): string | undefined {
  if (typeof request !== 'object' || request === null || !('id' in request)) return undefined;
  const id = (request as { id: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

async function reconcileHcloud(
  driver: Driver,
  api: HcloudApi,
  cluster: string,
  pending: PendingAction,
  run: RunContext,
): Promise<Reconciliation> {
  switch (pending.kind) {
    case 'create': {
      const found = await driver.find({ api, run, address: pending.address, cluster });
      return found
        ? { status: 'done', outcome: { resource: found, adopted: true } }
        : { status: 'not-done', reason: 'the resource was not created before the run stopped' };
    }
    case 'replace': {
      const found = await driver.find({ api, run, address: pending.address, cluster });
      // The old resource still at the address is not its replacement: the replacement is planned again.
      if (found && found.id === replacedId(pending.request))
        return { status: 'not-done', reason: 'the old resource still exists' };
      return found
        ? { status: 'done', outcome: { resource: found, adopted: true } }
        : { status: 'not-done', reason: 'the replacement was not created before the run stopped' };
    }
    case 'delete': {
      const found = await driver.find({ api, run, address: pending.address, cluster });
      return found
        ? { status: 'not-done', reason: 'the resource still exists' }
        : { status: 'done', outcome: { resource: null } };
    }
    case 'update':
    case 'drain':
    case 'leave-etcd':
    case 'apply-config':
    case 'bootstrap':
    case 'upgrade':
    case 'wait':
    case 'upgrade-kubernetes':
      return planAgain(pending);
  }
}

function hcloudDriver(driver: Driver, api: HcloudApi, cluster: string): ResourceDriver {
  const ctx = (action: ResourceAction, run: RunContext): DriverContext => ({
    api,
    run,
    address: action.address,
    cluster,
  });
  return {
    describe: describeHcloud,
    create: async (action, run) => ({ resource: await driver.create(ctx(action, run), action.props) }),
    update: async (action, run) => ({ resource: await driver.update(ctx(action, run), action) }),
    replace: async (action, run) => {
      await driver.delete(ctx(action, run), action.resourceId, action.before);
      run.progress('old one deleted; creating the replacement');
      return { resource: await driver.create(ctx(action, run), action.props) };
    },
    delete: async (action, run) => {
      // A server created earlier in this run (a surge server) has its id only in the run's records.
      const id = action.resourceId !== '' ? action.resourceId : run.idOf(action.address);
      if (id === undefined) throw new Error(`${action.address}: no id recorded to delete`);
      await driver.delete(ctx(action, run), id, action.before);
      return { resource: null };
    },
    reconcile: (pending, run) => reconcileHcloud(driver, api, cluster, pending, run),
  };
}

/** One resource driver per Hetzner type, over one API client (tests may pass a registry of their own). */
export function hcloudDrivers(
  api: HcloudApi,
  cluster: string,
  registry: HcloudRegistry = HCLOUD_RESOURCES,
): Record<HcloudResourceType, ResourceDriver> {
  const drivers = {} as Record<HcloudResourceType, ResourceDriver>;
  for (const type of Object.keys(registry) as HcloudResourceType[]) {
    drivers[type] = hcloudDriver(registry[type].driver, api, cluster);
  }
  return drivers;
}
