// The facade's AWS CloudHSM (clusters, HSMs, backups, the cluster identity chain): CeremonyService exposes it as `service.aws`.
import type { Connections } from './connections';

export class AwsOperations {
  constructor(private readonly connections: Connections) {}

  /** The PKCS#11 connections the ceremony holds, for keys that cross between HSMs. */
  protected get pkcs11(): Connections {
    return this.connections;
  }
}
