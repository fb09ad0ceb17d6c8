/**
 * Performs infrastructure actions on Hetzner through one driver per resource type. Kinds that
 * belong to Talos and Kubernetes are not this runner's (no plan produces them yet).
 */
import { assertNever } from '../../errors.js';
import type { Action } from '../../plan/types.js';
import type { HcloudApi } from '../../providers/hcloud/index.js';
import type { ActionOutcome, ActionRunner, PendingAction, Reconciliation, RunContext } from '../runner.js';
import { HCLOUD_RESOURCES, type HcloudRegistry } from '../../resources/registry.js';
import type { Driver, DriverContext } from '../../resources/types.js';

/** Whether the registry holds a module for this type (Talos records have none). */
function hasDriver(registry: HcloudRegistry, type: string): type is keyof HcloudRegistry {
  return Object.hasOwn(registry, type);
}

export function typeOfAddress(address: string): string {
  return address.slice(0, address.indexOf('.'));
}

export class HcloudRunner implements ActionRunner {
  constructor(
    private readonly api: HcloudApi,
    /** Where each type's driver is found (tests register types of their own). */
    private readonly registry: HcloudRegistry = HCLOUD_RESOURCES,
  ) {}

  private driverFor(type: string): Driver {
    if (!hasDriver(this.registry, type)) throw new Error(`no Hetzner driver for resource type ${type}`);
    return this.registry[type].driver;
  }

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
        return { resource: await this.driverFor(action.type).create(ctx, action.props) };
      case 'update':
        return { resource: await this.driverFor(action.type).update(ctx, action) };
      case 'replace': {
        const driver = this.driverFor(action.type);
        await driver.delete(ctx, action.resourceId, action.before);
        run.progress('old one deleted; creating the replacement');
        return { resource: await driver.create(ctx, action.after) };
      }
      case 'delete':
        await this.driverFor(action.type).delete(ctx, action.resourceId, action.before);
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
    if (pending.kind === 'drain' || !hasDriver(this.registry, type)) {
      return { status: 'not-done', reason: `${pending.kind} is planned again from what exists` };
    }
    const found = await this.driverFor(type).find({ api: this.api, run, address: pending.address });
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
