/**
 * Installer image references (`factory.talos.dev/hcloud-installer/<schematic>:<version>`): the
 * image for a version of the spec's schematic, and the parts of a recorded one. Pure.
 */
import { HCLOUD_INSTALLER_REPOSITORY, schematicIdFor } from '../../talos/config/index.js';
import type { Spec } from '../../spec/schema.js';

export function installerImage(spec: Spec, version: string): string {
  return `${HCLOUD_INSTALLER_REPOSITORY}/${schematicIdFor(spec)}:${version}`;
}

function split(image: string): { repository: string; tag: string | undefined } {
  const name = image.split('@')[0] ?? '';
  const colon = name.lastIndexOf(':');
  if (colon === -1 || name.indexOf('/', colon) !== -1) return { repository: name, tag: undefined };
  return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
}

/** The Talos version an installer installs, from its tag. */
export function versionOfImage(image: string): string | undefined {
  const tag = split(image).tag;
  return tag && /^v\d+\.\d+\.\d+/.test(tag) ? tag : undefined;
}

/** The image without its tag: the repository names the schematic (and the platform). */
export function schematicOfImage(image: string): string {
  return split(image).repository;
}
