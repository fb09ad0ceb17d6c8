/**
 * `hk8s image build`: the spec's Talos images (one per architecture its pools use), planned the way
 * `hk8s plan` plans them — desired `image.talos-<arch>` resources against the snapshots the project
 * has, diffed by the same planner — and built by the same driver apply uses. Unlike apply, every
 * architecture of the spec is wanted, not only those of servers about to be created.
 */
import { Hk8sError } from '../errors.js';
import type { BuilderOptions } from '../execute/image/builder.js';
import { imageDriver } from '../execute/image/driver.js';
import type { ResourceRecord, RunContext } from '../execute/runner.js';
import { makePlan, type Plan } from '../plan/plan.js';
import type { CreateAction, DesiredResource, ObservedResource } from '../plan/types.js';
import type { HcloudApi } from '../providers/hcloud/index.js';
import { desiredImages, type HcloudArch } from '../resources/hcloud/image/model.js';
import { schematicIdFor } from '../talos/config/schematic.js';
import { readCatalog } from './hcloud-catalog.js';
import { observedImages } from './images.js';
import { infraLayout } from './infra.js';
import type { Workspace } from './workspace.js';

export interface ImageBuildPlan {
  plan: Plan;
  /** The wanted images, found or to build. */
  desired: DesiredResource[];
  /** The wanted images the project already has. */
  found: ObservedResource[];
}

/** Reads the server types, the locations and the snapshots of the spec's identity (three lists at once), then plans. */
export async function planImageBuild(
  ws: Workspace,
  api: HcloudApi,
  archs: readonly HcloudArch[] = [],
): Promise<ImageBuildPlan> {
  const identity = { version: ws.spec.talos.version, schematic: schematicIdFor(ws.spec) };
  const catalog = await readCatalog(api, { images: identity });
  const architectures = Object.fromEntries(catalog.serverTypes.map((t) => [t.name, t.architecture]));
  const every = desiredImages({
    spec: ws.spec,
    layout: infraLayout(ws.spec),
    // No server counts as existing: every architecture of the spec's pools is wanted.
    facts: { servers: {}, architectures, talosSchematic: identity.schematic },
  });
  const desired = every.filter((d) => archs.length === 0 || archs.some((a) => d.address.endsWith(`-${a}`)));
  if (archs.length > 0 && desired.length < archs.length) {
    const used = every.map((d) => d.address).join(', ') || 'none';
    throw new Hk8sError('spec.invalid', `no pool of the spec uses the architecture asked for`, {
      where: ws.loaded.path,
      hint: `The spec's pools need ${used}; leave --arch out, or add a pool of that architecture's server type.`,
    });
  }
  const found = observedImages(desired, catalog.talosImages ?? []);
  const plan = makePlan({
    cluster: ws.cluster,
    command: 'apply',
    specHash: ws.loaded.hash,
    stateHead: { seq: 0, hash: null },
    desired,
    observed: found,
  });
  return { plan, desired, found };
}

export interface ImageBuildEvents {
  progress(address: string, message: string): void;
  built(record: ResourceRecord): void;
}

export interface ImageBuildResult {
  built: ResourceRecord[];
  failed: Array<{ address: string; error: unknown }>;
}

/** Builds every image the plan creates, the architectures at once; one failing does not stop the other. */
export async function runImageBuild(
  api: HcloudApi,
  builder: BuilderOptions | undefined,
  plan: Plan,
  events: ImageBuildEvents,
  signal: AbortSignal = new AbortController().signal,
): Promise<ImageBuildResult> {
  const driver = imageDriver(api, builder);
  const run = `image-build-${Date.now().toString(36)}`;
  const creates = plan.graph.actions.filter(
    (a): a is CreateAction => a.kind === 'create' && 'type' in a && a.type === 'image',
  );
  const outcomes = await Promise.allSettled(
    creates.map(async (action) => {
      const ctx: RunContext = {
        run,
        signal,
        idOf: () => undefined,
        recordOf: () => undefined,
        progress: (message) => events.progress(action.address, message),
        secrets: {
          get: () => undefined,
          put: () => Promise.resolve(),
          forget: () => Promise.resolve(),
        },
      };
      const outcome = await driver.create(action, ctx);
      const record = outcome.resource ?? undefined;
      if (record) events.built(record);
      return record;
    }),
  );
  const result: ImageBuildResult = { built: [], failed: [] };
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled' && outcome.value) result.built.push(outcome.value);
    else if (outcome.status === 'rejected')
      result.failed.push({ address: creates[index]!.address, error: outcome.reason });
  });
  return result;
}
