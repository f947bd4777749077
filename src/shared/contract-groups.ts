// The HSM group (cluster) results the app shows: each member's state, last check and share of
// the work. Addresses are members' URIs as the config gives them (pin-source names a file or a
// variable, never a PIN: the config loader refuses pin-value).
import { z } from 'zod';

export const groupStatusResult = z.object({
  group: z.string(),
  key: z.string(),
  fingerprint: z.object({ kind: z.enum(['spki-sha256', 'kcv']), value: z.string() }),
  policy: z.enum(['automatic', 'manual']),
  strategy: z.enum(['round-robin', 'least-busy', 'primary-only']),
  threshold: z.number(),
  members: z.array(
    z.object({
      name: z.string(),
      role: z.enum(['primary', 'backup']),
      state: z.enum(['healthy', 'failing', 'out', 'recovering']),
      lastCheck: z.string().nullable(),
      lastError: z.string().nullable(),
      signed: z.number(),
      fractionOfWork: z.number(),
      inFlight: z.number(),
    }),
  ),
});
