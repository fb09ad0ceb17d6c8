/**
 * `cluster.kubeconfigPath` and `cluster.talosconfigPath`: after every apply and resume, the files
 * the spec names are brought up to date, so that they follow the endpoint and the certificates
 * without a manual `hk8s kubeconfig -o`. A file that is already current is left alone (a
 * talosconfig is not re-issued on every run); one that is stale, missing or not 0600 is
 * rewritten 0600. Paths are relative to the spec's directory.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { certificateInfo, parseTalosconfig } from '../providers/talos/pki/index.js';
import {
  issueTalosconfig,
  readKubeconfig,
  talosconfigTarget,
  type TalosconfigTarget,
} from '../engine/credentials.js';
import type { Workspace } from '../engine/workspace.js';
import { Hk8sError } from '../errors.js';
import { writeSecretFile } from './secret-file.js';

const TALOSCONFIG_HOURS = 8760;
/** A client certificate this close to its end is renewed. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;

async function currentFile(path: string): Promise<string | undefined> {
  try {
    if (((await stat(path)).mode & 0o777) !== 0o600) return undefined;
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

function talosconfigIsCurrent(text: string, target: TalosconfigTarget, now: Date): boolean {
  try {
    const found = parseTalosconfig(text, { context: target.context });
    const sameEndpoints =
      found.endpoints.length === target.endpoints.length &&
      found.endpoints.every((endpoint, i) => endpoint === target.endpoints[i]);
    const valid = certificateInfo(found.client.crt).notAfter.getTime() - now.getTime() > RENEW_BEFORE_MS;
    return sameEndpoints && found.ca.trim() === target.ca.trim() && valid;
  } catch {
    return false;
  }
}

/** Not there yet (no bootstrap so far): nothing to write, and not an error of the run. */
function notYet(error: unknown): boolean {
  return error instanceof Hk8sError && error.code === 'state.not-found';
}

export async function refreshCredentialFiles(ws: Workspace, notice: (text: string) => void): Promise<void> {
  const { kubeconfigPath, talosconfigPath } = ws.spec.cluster;
  if (kubeconfigPath) {
    const path = resolve(ws.root, kubeconfigPath);
    const text = await readKubeconfig(ws).catch((error: unknown) => {
      if (notYet(error)) return undefined;
      throw error;
    });
    if (text !== undefined && (await currentFile(path)) !== text) {
      await writeSecretFile(path, text, 'kubeconfig (cluster.kubeconfigPath)');
      notice(`Wrote the kubeconfig to ${kubeconfigPath} (cluster.kubeconfigPath).`);
    }
  }
  if (talosconfigPath) {
    const path = resolve(ws.root, talosconfigPath);
    const target = await talosconfigTarget(ws).catch((error: unknown) => {
      if (notYet(error)) return undefined;
      throw error;
    });
    if (target === undefined || target.endpoints.length === 0) return;
    const existing = await currentFile(path);
    if (existing !== undefined && talosconfigIsCurrent(existing, target, new Date())) return;
    await writeSecretFile(
      path,
      await issueTalosconfig(ws, TALOSCONFIG_HOURS),
      'talosconfig (cluster.talosconfigPath)',
    );
    notice(`Wrote the talosconfig to ${talosconfigPath} (cluster.talosconfigPath).`);
  }
}
