// The facade's Azure Key Vault and Managed HSM (keys, signing, BYOK import, key attestation): CeremonyService exposes it as `service.azure`.
import type { Connections } from './connections';

export class AzureOperations {
  constructor(private readonly connections: Connections) {}

  /** The PKCS#11 connections the ceremony holds, for keys that cross between HSMs. */
  protected get pkcs11(): Connections {
    return this.connections;
  }
}
