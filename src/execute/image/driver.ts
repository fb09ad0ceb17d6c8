/**
 * The `image` resource type's driver: create builds the image (builder.ts), delete removes a
 * snapshot no server uses any more, and resume first removes what a killed build left behind, then
 * adopts an image of the identity if the build got that far.
 */
import { Hk8sError } from '../../errors.js';
import type { HcloudApi, Image } from '../../providers/hcloud/index.js';
import type { JsonObject, ResourceAction } from '../../plan/types.js';
import { archOfImageAddress, type TalosImageId } from '../../resources/hcloud/image/model.js';
import { obj, str } from '../../resources/hcloud/props.js';
import { describeHcloud } from '../hcloud/runner.js';
import type { ResourceDriver } from '../resources.js';
import { planAgain } from '../runners.js';
import type { ResourceRecord } from '../runner.js';
import { buildImage, findImage, removeBuilders, type BuilderOptions } from './builder.js';

/** The full schematic id is not in the 32-digit label: the plan's props carry it as `schematic_id`. */
export function identityOf(address: string, props: JsonObject): TalosImageId {
  const arch = archOfImageAddress(address) ?? 'x86';
  return { version: str(props.talos_version), schematic: str(props.schematic_id ?? props.schematic), arch };
}

export function imageRecord(address: string, image: Image): ResourceRecord {
  return {
    address,
    type: 'image',
    id: String(image.id),
    attrs: { description: image.description, status: image.status, labels: image.labels },
  };
}

/** Servers of any cluster in the project that boot from the image. */
async function usersOf(api: HcloudApi, id: number): Promise<string[]> {
  const servers = await api.servers.list();
  return servers.filter((s) => s.image?.id === id).map((s) => s.name);
}

export function imageDriver(api: HcloudApi, options: BuilderOptions | undefined): ResourceDriver {
  const propsOf = (request: unknown): JsonObject => obj((request as { props?: JsonObject } | null)?.props);
  const refused = (action: ResourceAction): never => {
    throw new Hk8sError('image.build', `${action.address}: a Talos image cannot be changed in place`, {
      where: action.address,
    });
  };
  return {
    describe: describeHcloud,
    async create(action, run) {
      if (!options) {
        throw new Hk8sError('image.build', `${action.address}: this cloud cannot build Talos images`, {
          where: action.address,
          hint: 'On the sandbox, HK8S_SANDBOX_RESCUE_PORT must name the port its rescue SSH listens on (default 50022); elsewhere create the snapshot with the labels the plan shows.',
        });
      }
      const builder = obj(action.props.builder);
      const image = await buildImage(api, options, {
        id: identityOf(action.address, action.props),
        serverType: str(builder.server_type),
        location: str(builder.location),
        run: run.run,
        where: action.address,
        signal: run.signal,
        progress: (message) => run.progress(message),
      });
      return { resource: imageRecord(action.address, image) };
    },
    update: async (action) => refused(action),
    replace: async (action) => refused(action),
    async delete(action) {
      const users = await usersOf(api, Number(action.resourceId));
      if (users.length > 0) {
        throw new Hk8sError('image.build', `${action.address} is still used by ${users.join(', ')}`, {
          where: action.address,
          hint: 'An image is deleted only when no server of any cluster boots from it; it was kept.',
        });
      }
      const { actions } = await api.images.delete(Number(action.resourceId), { where: action.address });
      if (actions.length > 0) await api.waitForActions(actions.map((a) => a.id));
      return { resource: null };
    },
    async reconcile(pending) {
      const props = propsOf(pending.request);
      if (pending.kind === 'delete') {
        const left = await api.images.get(Number((pending.request as { id?: string } | null)?.id));
        return left
          ? { status: 'not-done', reason: 'the image still exists' }
          : { status: 'done', outcome: { resource: null } };
      }
      if (pending.kind !== 'create') return planAgain(pending);
      const id = identityOf(pending.address, props);
      await removeBuilders(api, id, pending.address);
      const found = await findImage(api, id);
      return found
        ? { status: 'done', outcome: { resource: imageRecord(pending.address, found), adopted: true } }
        : {
            status: 'not-done',
            reason: 'the image build did not finish; its temporary server and key were removed',
          };
    },
  };
}
