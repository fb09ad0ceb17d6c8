/** Certificates: uploaded (PEM parsed with node:crypto) and managed (issued by an action). */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { DURATIONS, assertUnlocked, ref, startAction } from '../actions.js';
import { invalidField, unprocessable } from '../api-error.js';
import type { Handler } from '../context.js';
import { validateLabels } from '../labels.js';
import type { CertificateRec, World } from '../types.js';
import { isoTime, nextId } from '../world.js';
import { actionBody, assertNameFree, ok, standardSort } from './common.js';
import { getHandler, listHandler, queryFilter, removeHandler, resourceKind, updateHandler } from './crud.js';

function usedBy(world: World, id: number): { id: number; type: string }[] {
  return Object.values(world.load_balancers)
    .filter((lb) => lb.services.some((s) => s.http?.certificates.includes(id)))
    .map((lb) => ({ id: lb.id, type: 'load_balancer' }));
}

function render(world: World, c: CertificateRec): Record<string, unknown> {
  return {
    id: c.id,
    name: c.name,
    labels: c.labels,
    created: c.created,
    type: c.type,
    certificate: c.certificate,
    domain_names: c.domain_names,
    fingerprint: c.fingerprint,
    not_valid_before: c.not_valid_before,
    not_valid_after: c.not_valid_after,
    status: c.type === 'managed' ? { issuance: c.issuance, renewal: 'unavailable', error: null } : null,
    used_by: usedBy(world, c.id),
  };
}

const certificates = resourceKind('certificates', 'certificate', 'Certificate', render);

function parseUploaded(certificate: string | undefined, privateKey: string | undefined) {
  if (!certificate) throw invalidField('certificate', 'certificate is required for uploaded certificates');
  if (!privateKey) throw invalidField('private_key', 'private_key is required for uploaded certificates');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch {
    throw invalidField('certificate', 'certificate is not a valid PEM certificate');
  }
  let matches = false;
  try {
    matches = cert.checkPrivateKey(createPrivateKey(privateKey));
  } catch {
    throw invalidField('private_key', 'private_key is not a valid PEM private key');
  }
  if (!matches) throw invalidField('private_key', 'private_key does not match the certificate');
  const names = (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('DNS:'))
    .map((s) => s.slice(4));
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1];
  return {
    domain_names: names.length > 0 ? names : cn ? [cn] : [],
    fingerprint: cert.fingerprint256,
    not_valid_before: isoTime(Date.parse(cert.validFrom)),
    not_valid_after: isoTime(Date.parse(cert.validTo)),
  };
}

const create: Handler = ({ ctx, body }) => {
  const { world } = ctx;
  const input = body as {
    name: string;
    type?: 'uploaded' | 'managed';
    certificate?: string;
    private_key?: string;
    domain_names?: string[];
    labels?: Record<string, string>;
  };
  assertNameFree(world.certificates, input.name);
  const labels = validateLabels(input.labels);
  const type = input.type ?? 'uploaded';
  const base = {
    id: nextId(world, 'certificate'),
    name: input.name,
    labels,
    created: isoTime(ctx.now),
    type,
  };
  if (type === 'uploaded') {
    const parsed = parseUploaded(input.certificate, input.private_key);
    const cert: CertificateRec = {
      ...base,
      certificate: input.certificate ?? null,
      ...parsed,
      issuance: 'completed',
    };
    world.certificates[cert.id] = cert;
    return ok({ certificate: render(world, cert), action: null }, 201);
  }
  if (!input.domain_names || input.domain_names.length === 0) {
    throw invalidField('domain_names', 'domain_names is required for managed certificates');
  }
  const cert: CertificateRec = {
    ...base,
    certificate: null,
    domain_names: input.domain_names,
    fingerprint: null,
    not_valid_before: null,
    not_valid_after: null,
    issuance: 'pending',
  };
  world.certificates[cert.id] = cert;
  const action = startAction(ctx, {
    command: 'create_certificate',
    durationMs: DURATIONS.certificate,
    resources: [ref('certificate', cert.id)],
    effect: { kind: 'certificate-issued', certificate: cert.id },
  });
  return ok({ certificate: render(world, cert), action: actionBody(action, ctx.now) }, 201);
};

const list = listHandler(certificates, {
  sort: standardSort(),
  filter: (req) => queryFilter(req, 'type', (c) => c.type),
});

const get = getHandler(certificates);

const update = updateHandler(certificates);

const remove = removeHandler(certificates, (world, c) => {
  assertUnlocked(world, ref('certificate', c.id));
  if (usedBy(world, c.id).length > 0)
    throw unprocessable('resource_in_use', 'certificate is used by a load balancer');
});

export const certificateHandlers: Record<string, Handler> = {
  list_certificates: list,
  create_certificate: create,
  get_certificate: get,
  replace_certificate: update,
  delete_certificate: remove,
};
