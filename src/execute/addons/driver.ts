/**
 * The `addon` resource type. An object record is applied by server-side apply under hk8s's field
 * manager (taking over fields others hold, since hk8s owns what it renders) and deleted by name; an
 * install record waits until the addon's checks pass. Deleting a HelmChart waits until the
 * helm-controller has uninstalled its release, so the controller is never removed first.
 */
import { Hk8sError } from '../../errors.js';
import type { ReadinessCheck } from '../../addons/checks.js';
import type { AddonProps, ObjectProps } from '../../addons/plan-addons.js';
import type { KubeObject, ObjectRef } from '../../providers/kube/index.js';
import type { DeleteAction, JsonObject, ResourceAction } from '../../plan/types.js';
import type { ResourceDriver } from '../resources.js';
import { planAgain } from '../runners.js';
import type { ActionOutcome, RunContext } from '../runner.js';
import { pause, type AddonAccess } from './access.js';
import { firstUnready } from './checks.js';

const isObject = (props: JsonObject): props is ObjectProps => props.role === 'object';

function refOf(object: KubeObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
  };
}

function label(object: KubeObject): string {
  const ns = object.metadata.namespace ? `${object.metadata.namespace}/` : '';
  return `${object.kind} ${ns}${object.metadata.name}`;
}

async function applyObject(
  access: AddonAccess,
  address: string,
  props: ObjectProps,
  ctx: RunContext,
): Promise<ActionOutcome> {
  const rendered = props.object as unknown as KubeObject;
  const object = await access.fill(rendered, ctx, address);
  const kube = await access.kube(ctx);
  ctx.progress(`applying ${label(rendered)}`);
  const [applied] = await kube.serverSideApply([object], { force: true, signal: ctx.signal });
  const uid = (applied?.object as KubeObject | undefined)?.metadata.uid;
  return {
    resource: { address, type: 'addon', id: typeof uid === 'string' ? uid : label(rendered), attrs: props },
  };
}

async function waitReady(
  access: AddonAccess,
  address: string,
  props: AddonProps,
  ctx: RunContext,
): Promise<ActionOutcome> {
  const checks = props.checks as unknown as ReadinessCheck[];
  const kube = await access.kube(ctx);
  const { pollMs, readyTimeoutMs } = access.timing;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    const unready = await firstUnready(kube, checks, ctx.signal);
    if (!unready) break;
    if (unready.state === 'failed') {
      throw new Hk8sError('addon.not-ready', `addon ${props.addon}: ${unready.why}`, {
        where: address,
        hint: `Look at the Job's pod logs (kubectl -n kube-system logs job/<name>), fix addons.${props.addon} in the spec, then run \`hk8s resume\`.`,
      });
    }
    if (Date.now() > deadline) {
      throw new Hk8sError(
        'addon.not-ready',
        `addon ${props.addon} is not Ready after ${Math.round(readyTimeoutMs / 1000)} s: ${unready.why}`,
        {
          where: address,
          hint: 'Check the cluster with kubectl, then run `hk8s resume` to wait again.',
        },
      );
    }
    ctx.progress(unready.why);
    await pause(pollMs, ctx.signal);
  }
  return { resource: { address, type: 'addon', id: props.addon, attrs: props } };
}

async function deleteObject(
  access: AddonAccess,
  action: DeleteAction,
  ctx: RunContext,
): Promise<ActionOutcome> {
  if (action.before.forget === true || !isObject(action.before)) return { resource: null };
  const object = action.before.object as unknown as KubeObject;
  const kube = await access.kube(ctx);
  const ref = refOf(object);
  ctx.progress(`deleting ${label(object)}`);
  await kube
    .deleteObject(ref, { propagationPolicy: 'Background', signal: ctx.signal })
    .catch((error: unknown) => {
      // A kind whose CRD went first is gone with it.
      if (
        error instanceof Error &&
        'kubeCode' in error &&
        (error as { kubeCode: string }).kubeCode === 'kube.not-found'
      )
        return;
      throw error;
    });
  if (object.kind === 'HelmChart' || object.kind === 'Job') await waitGone(access, ref, ctx);
  return { resource: null };
}

async function waitGone(access: AddonAccess, ref: ObjectRef, ctx: RunContext): Promise<void> {
  const kube = await access.kube(ctx);
  const deadline = Date.now() + access.timing.deleteTimeoutMs;
  while (await kube.getObject(ref, { signal: ctx.signal })) {
    if (Date.now() > deadline) {
      throw new Hk8sError(
        'addon.apply',
        `HelmChart ${ref.namespace}/${ref.name} is still being uninstalled`,
        {
          where: `HelmChart ${ref.namespace}/${ref.name}`,
          hint: 'Check the helm-delete Job in its namespace, then run `hk8s resume`.',
        },
      );
    }
    ctx.progress(`waiting for the release ${ref.name} to be uninstalled`);
    await pause(access.timing.pollMs, ctx.signal);
  }
}

function describe(action: ResourceAction): unknown {
  const props =
    action.kind === 'create' ? action.props : action.kind === 'delete' ? action.before : action.after;
  if (!isObject(props)) return { kind: action.kind, address: action.address };
  const object = props.object as unknown as KubeObject;
  return { kind: action.kind, address: action.address, object: refOf(object) };
}

export function addonDriver(access: AddonAccess): ResourceDriver {
  const put = (address: string, props: JsonObject, ctx: RunContext) =>
    isObject(props)
      ? applyObject(access, address, props, ctx)
      : waitReady(access, address, props as AddonProps, ctx);
  return {
    describe,
    create: (action, ctx) => put(action.address, action.props, ctx),
    update: (action, ctx) => put(action.address, action.after, ctx),
    // Only run-once objects are replaced: the old one must be gone before it is made again.
    replace: async (action, ctx) => {
      await deleteObject(access, { ...action, kind: 'delete', id: action.id }, ctx);
      return put(action.address, action.after, ctx);
    },
    delete: (action, ctx) => deleteObject(access, action, ctx),
    // Applying again is harmless and waiting again is cheap: plan them again.
    reconcile: async (pending) => planAgain(pending),
  };
}
