/**
 * The Talos secrets bundle, generated once per cluster and kept in the event log. Certificates and
 * keys are PEM text; the machine config base64-encodes them where Talos wants that.
 */
export interface CertAndKey {
  crt: string;
  key: string;
}

export interface TalosSecrets {
  cluster: { id: string; secret: string };
  secrets: { bootstrapToken: string; secretboxEncryptionSecret: string };
  trustdInfo: { token: string };
  certs: {
    etcd: CertAndKey;
    k8s: CertAndKey;
    k8sAggregator: CertAndKey;
    k8sServiceAccount: { key: string };
    os: CertAndKey;
  };
}
