/**
 * Builds one Talos image (talos.md §7): a temporary server of the image's architecture, booted into
 * rescue with a throwaway SSH key, writes the factory's hcloud disk image to its disk over SSH, is
 * powered off and snapshotted with the image's labels, then deleted with its key. The temporary
 * server and key carry `hk8s.io/image-builder`, so a build that was killed is cleaned up by the next
 * one (or by resume) before anything else happens.
 */
// ssh2 is CommonJS: its named exports are reached through the default one.
import ssh2 from 'ssh2';
import { Hk8sError } from '../../errors.js';
import type { HcloudApi, Image } from '../../providers/hcloud/index.js';
import {
  factoryImageUrl,
  imageDescription,
  imageLabels,
  imageSelector,
  type TalosImageId,
} from '../../resources/hcloud/image/model.js';
import { LABEL_ADDRESS } from '../../resources/hcloud/names.js';
import type { RescueShell, SshConnector } from './shell.js';
import { writeTalosImage } from './steps.js';

export const LABEL_IMAGE_BUILDER = 'hk8s.io/image-builder';

export interface BuildTiming {
  /** How long the rescue system may take to answer SSH. */
  sshReadyMs: number;
  /** Between SSH attempts while it boots. */
  sshRetryMs: number;
}

export interface BuilderOptions {
  connect: SshConnector;
  /** 22 on Hetzner; the sandbox's rescue SSH listens elsewhere on the server's loopback address. */
  sshPort: number;
  timing: BuildTiming;
  /** The factory base URL (the real one unless a test says otherwise). */
  factoryUrl?: string;
  sleep?: (ms: number) => Promise<void>;
}

export interface BuildRequest {
  id: TalosImageId;
  /** Where the temporary server goes: a type and location of the image's architecture. */
  serverType: string;
  location: string;
  run: string;
  where: string;
  signal?: AbortSignal;
  progress(message: string): void;
}

/** The builder label's value: one per identity (label values allow `.`, at most 63 characters). */
export function builderTag(id: TalosImageId): string {
  return `${id.arch}-${id.version}-${id.schematic.slice(0, 16)}`;
}

function builderName(id: TalosImageId): string {
  return `hk8s-talos-builder-${id.arch}-${id.version.replace(/[^a-z0-9]/gi, '-')}-${id.schematic.slice(0, 8)}`.toLowerCase();
}

const builderSelector = (id: TalosImageId) => `${LABEL_IMAGE_BUILDER}=${builderTag(id)}`;

/** The temporary server and key of builds of this identity, deleted (a killed build's leftovers). */
export async function removeBuilders(api: HcloudApi, id: TalosImageId, where: string): Promise<number> {
  const selector = builderSelector(id);
  const [servers, keys] = await Promise.all([
    api.servers.list({ labelSelector: selector }),
    api.sshKeys.list({ labelSelector: selector }),
  ]);
  for (const server of servers) {
    const { actions } = await api.servers.delete(server.id, { where });
    if (actions.length > 0) await api.waitForActions(actions.map((a) => a.id));
  }
  for (const key of keys) await api.sshKeys.delete(key.id, { where });
  return servers.length + keys.length;
}

/** The newest available (else one still being made) image of this identity. */
export async function findImage(api: HcloudApi, id: TalosImageId): Promise<Image | undefined> {
  const found = await api.images.list({ query: { type: ['snapshot'] }, labelSelector: imageSelector(id) });
  const newest = (status: Image['status']) =>
    found.filter((i) => i.status === status).sort((a, b) => b.id - a.id)[0];
  return newest('available') ?? newest('creating');
}

async function settle(
  api: HcloudApi,
  pending: Promise<{ actions: Array<{ id: number }> }>,
  signal?: AbortSignal,
) {
  const { actions } = await pending;
  if (actions.length > 0)
    await api.waitForActions(
      actions.map((a) => a.id),
      { signal },
    );
}

async function sshWhenUp(options: BuilderOptions, host: string, privateKey: string, where: string) {
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const deadline = Date.now() + options.timing.sshReadyMs;
  let last = '';
  for (;;) {
    try {
      const target = {
        host,
        port: options.sshPort,
        privateKey,
        readyTimeoutMs: options.timing.sshRetryMs * 5,
      };
      return await options.connect(target);
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      throw new Hk8sError(
        'image.build',
        `image build step ssh failed: the rescue system at ${host} did not answer SSH (${last})`,
        {
          where,
          hint: 'Run `hk8s resume`: the temporary server and key are removed and the build starts again.',
        },
      );
    }
    await sleep(options.timing.sshRetryMs);
  }
}

/** Builds the image and returns it (available); leaves no temporary server or key, also on failure. */
export async function buildImage(
  api: HcloudApi,
  options: BuilderOptions,
  request: BuildRequest,
): Promise<Image> {
  const { id, where, signal } = request;
  const tag = builderTag(id);
  if ((await removeBuilders(api, id, where)) > 0)
    request.progress('removed what an earlier build left behind');
  const keys = ssh2.utils.generateKeyPairSync('ed25519');
  const labels = { [LABEL_IMAGE_BUILDER]: tag, 'hk8s.io/run': request.run };
  const name = builderName(id);
  const address = `image-builder.${tag}`;
  let shell: RescueShell | undefined;
  try {
    const key = await api.sshKeys.create(
      { name, public_key: keys.public, labels: { ...labels, [LABEL_ADDRESS]: address } },
      address,
      { where, signal },
    );
    request.progress(`creating the temporary ${request.serverType} server in ${request.location}`);
    const created = await api.servers.create(
      {
        name,
        server_type: request.serverType,
        location: request.location,
        // Any system image: rescue boots instead, and the disk is overwritten.
        image: 'debian-12',
        ssh_keys: [String(key.resource.id)],
        labels: { ...labels, [LABEL_ADDRESS]: address },
        start_after_create: false,
      },
      address,
      { where, signal },
    );
    const server = created.resource;
    await settle(api, Promise.resolve(created), signal);
    await settle(
      api,
      api.servers.enableRescue(server.id, { type: 'linux64', ssh_keys: [key.resource.id] }, { where }),
      signal,
    );
    request.progress('booting the rescue system');
    await settle(api, api.servers.poweron(server.id, { where }), signal);
    const host =
      (await api.servers.get(server.id, { where }))?.public_net.ipv4?.ip ?? server.public_net.ipv4?.ip;
    if (!host)
      throw new Hk8sError('image.build', 'the temporary server has no public IPv4 to reach over SSH', {
        where,
      });
    shell = await sshWhenUp(options, host, keys.private, where);
    const url = factoryImageUrl(id, options.factoryUrl);
    await writeTalosImage(shell, url, where, request.progress);
    shell.close();
    shell = undefined;
    request.progress('powering off and taking the snapshot');
    await settle(api, api.servers.poweroff(server.id, { where }), signal);
    const made = await api.servers.createImage(
      server.id,
      { type: 'snapshot', description: imageDescription(id), labels: imageLabels(id) },
      { where, verify: async () => (await findImage(api, id)) !== undefined },
    );
    await settle(api, Promise.resolve(made), signal);
    const image = await findImage(api, id);
    if (!image)
      throw new Hk8sError('image.build', 'the snapshot was taken but cannot be found by its labels', {
        where,
      });
    return image;
  } finally {
    shell?.close();
    await removeBuilders(api, id, where);
  }
}
