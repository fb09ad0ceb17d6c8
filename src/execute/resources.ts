/**
 * The resource kinds (create, update, replace, delete) act on one resource of a `ResourceType`, and
 * what that means depends on the type: a Hetzner object, or a Talos record kept in the event log.
 * Their runners dispatch by `action.type` through a table with a driver for every type.
 */
import { KUBE_NODE_PREFIX, TALOS_BOOTSTRAP, TALOS_KUBECONFIG, TALOS_SECRETS } from '../plan/talos/nodes.js';
import type {
  CreateAction,
  DeleteAction,
  ReplaceAction,
  ResourceAction,
  ResourceType,
  UpdateAction,
} from '../plan/types.js';
import type { ActionOutcome, PendingAction, Reconciliation, RunContext } from './runner.js';
import { planAgain, type KindRunner, type KindRunners } from './runners.js';

/** What one resource type does for each resource kind. */
export interface ResourceDriver {
  describe(action: ResourceAction): unknown;
  create(action: CreateAction, ctx: RunContext): Promise<ActionOutcome>;
  update(action: UpdateAction, ctx: RunContext): Promise<ActionOutcome>;
  replace(action: ReplaceAction, ctx: RunContext): Promise<ActionOutcome>;
  delete(action: DeleteAction, ctx: RunContext): Promise<ActionOutcome>;
  /** Resume: whether an interrupted create, update, replace or delete took effect. */
  reconcile(pending: PendingAction, ctx: RunContext): Promise<Reconciliation>;
}

/** Exhaustive: a new resource type fails the type-check until it has a driver. */
export type ResourceDrivers = Record<ResourceType, ResourceDriver>;

/**
 * The resource type of an address as the event log remembers it (a pending action has no
 * type): Hetzner addresses start with their type, Talos records and Node objects have fixed prefixes.
 */
export function resourceTypeOf(address: string, types: ResourceDrivers): ResourceType | undefined {
  if (address === TALOS_SECRETS) return 'talos_secrets';
  if (address === TALOS_BOOTSTRAP) return 'talos_bootstrap';
  if (address === TALOS_KUBECONFIG) return 'talos_kubeconfig';
  if (address.startsWith('talos.config.')) return 'talos_config';
  if (address.startsWith('talos.')) return undefined;
  if (address.startsWith(`${KUBE_NODE_PREFIX}.`)) return 'kube_node';
  if (address.startsWith('kube.')) return undefined;
  const prefix = address.slice(0, address.indexOf('.'));
  return Object.keys(types).find((type): type is ResourceType => type === prefix);
}

type ResourceKind = ResourceAction['kind'];

function kindRunner<A extends ResourceAction>(
  drivers: ResourceDrivers,
  perform: (driver: ResourceDriver, action: A, ctx: RunContext) => Promise<ActionOutcome>,
): KindRunner<A> {
  return {
    describe: (action) => drivers[action.type].describe(action),
    run: (action, ctx) => perform(drivers[action.type], action, ctx),
    reconcile: (pending, ctx) => {
      const type = resourceTypeOf(pending.address, drivers);
      return type ? drivers[type].reconcile(pending, ctx) : Promise.resolve(planAgain(pending));
    },
  };
}

/** The four resource-kind runners over one table of drivers. */
export function resourceRunners(drivers: ResourceDrivers): Pick<KindRunners, ResourceKind> {
  return {
    create: kindRunner<CreateAction>(drivers, (d, a, ctx) => d.create(a, ctx)),
    update: kindRunner<UpdateAction>(drivers, (d, a, ctx) => d.update(a, ctx)),
    replace: kindRunner<ReplaceAction>(drivers, (d, a, ctx) => d.replace(a, ctx)),
    delete: kindRunner<DeleteAction>(drivers, (d, a, ctx) => d.delete(a, ctx)),
  };
}

/** A driver over a type nothing can act on yet (it is declared for plans to come). */
export function noDriver(type: ResourceType, owner: string): ResourceDriver {
  const refuse = async (): Promise<never> => {
    throw new Error(`no ${owner} driver for resource type ${type}`);
  };
  return {
    describe: (action) => ({ kind: action.kind, address: action.address }),
    create: refuse,
    update: refuse,
    replace: refuse,
    delete: refuse,
    reconcile: async (pending) => planAgain(pending),
  };
}
