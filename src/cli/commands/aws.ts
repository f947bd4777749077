// Commands for AWS CloudHSM (clusters, HSMs, backups, the cluster identity chain).
import type { CommandSpec } from '../spec';

export const AWS_COMMANDS: readonly CommandSpec[] = [];
