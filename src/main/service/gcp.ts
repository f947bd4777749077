// The facade's Google Cloud KMS and Cloud HSM (key rings, keys, versions, signing, import jobs, attestations): CeremonyService exposes it as `service.gcp`.
import type { Connections } from './connections';

export class GcpOperations {
  constructor(private readonly connections: Connections) {}

  /** The PKCS#11 connections the ceremony holds, for keys that cross between HSMs. */
  protected get pkcs11(): Connections {
    return this.connections;
  }
}
