// A CryptoKeyVersion from the SDK in the JSON layout gcloud prints (base64 content, RFC 3339
// times), which is what the Marvell input reader takes.
import type { protos } from '@google-cloud/kms';
import { bytesOf, isoOf } from './convert';

export function convertVersionForJson(v: protos.google.cloud.kms.v1.ICryptoKeyVersion): unknown {
  const a = v.attestation;
  const chains = a?.certChains;
  return {
    name: v.name,
    generateTime: isoOf(v.generateTime as Parameters<typeof isoOf>[0]) ?? undefined,
    attestation: a
      ? {
          format: String(a.format ?? ''),
          content: Buffer.from(bytesOf(a.content)).toString('base64'),
          certChains: {
            caviumCerts: chains?.caviumCerts ?? [],
            googleCardCerts: chains?.googleCardCerts ?? [],
            googlePartitionCerts: chains?.googlePartitionCerts ?? [],
          },
        }
      : undefined,
  };
}
