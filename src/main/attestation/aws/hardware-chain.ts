// One of the two hardware chains of a CloudHSM HSM, checked in its fixed shape:
//   HsmCertificate ← hardware certificate (AWS's or the manufacturer's) ← root
// The root is chosen among the trust anchors by the hardware certificate's issuer name. When none
// of the pinned anchors has that name the answer is "unknown" (we cannot say, e.g. a GovCloud or
// hsm2m root not shipped here); when the user supplied the anchor, a mismatch is a "fail".
//
// Time: validity is checked at the caller's instant (now by default). A pinned root that has
// expired since (the Cavium LiquidSecurity root, 2025-11-16) cannot vouch "now" for anything, yet
// it did vouch when the HSM certificate was issued; when the caller named no instant, such a chain
// is validated at the HSM certificate's issue time and the evidence says so.
import { check } from '../verdict';
import type { VerdictCheck } from '../verdict';
import { certSha256, commonName, iso, parseCertificate, signedBy, validAt } from '../x509-links';
import type { Certificate } from '../x509-links';

export interface TrustAnchor {
  /** What the verdict calls it. */
  name: string;
  pem: string;
  /** Shipped and pinned by Olocus (true) or supplied by the user for this run (false). */
  pinned: boolean;
}

export interface ChainTime {
  at: Date;
  /** The caller chose the instant; no fallback to the HSM certificate's issue time. */
  explicit: boolean;
}

export interface HardwareChainResult {
  check: VerdictCheck;
  note: string | null;
}

export async function hardwareChain(
  name: string,
  label: string,
  hsm: Certificate,
  hardware: Certificate,
  anchors: readonly TrustAnchor[],
  time: ChainTime,
): Promise<HardwareChainResult> {
  const roots = anchors.map((a) => ({ anchor: a, cert: parseCertificate(a.pem) }));
  const byName = roots.filter((r) => r.cert.subject === hardware.issuer);
  const supplied = anchors.some((a) => !a.pinned);
  if (byName.length === 0) {
    const issuer = `"${hardware.issuer}"`;
    if (roots.length === 0 || !supplied) {
      return {
        check: check(
          name,
          'unknown',
          `unknown: no pinned root for the ${label} issuer ${issuer}; pass the issuer's root certificate to check it`,
        ),
        note: null,
      };
    }
    return {
      check: check(
        name,
        'fail',
        `the ${label} "${commonName(hardware)}" is issued by ${issuer}, not by the supplied ${roots.map((r) => `"${r.anchor.name}"`).join(', ')}`,
      ),
      note: null,
    };
  }
  let last: HardwareChainResult | null = null;
  for (const root of byName) {
    last = await oneChain(name, label, hsm, hardware, root.cert, root.anchor, time);
    if (last.check.status === 'pass') return last;
  }
  return last!;
}

async function oneChain(
  name: string,
  label: string,
  hsm: Certificate,
  hardware: Certificate,
  root: Certificate,
  anchor: TrustAnchor,
  time: ChainTime,
): Promise<HardwareChainResult> {
  let at = time.at;
  let note: string | null = null;
  if (!time.explicit && anchor.pinned && !validAt(root, at) && validAt(root, hsm.notBefore)) {
    at = hsm.notBefore;
    note = `The ${anchor.name} expired on ${iso(root.notAfter)}; the ${label} chain was validated at the HSM certificate's issue time (${iso(at)}), when that root was still valid.`;
  }
  const problems: string[] = [];
  if (!(await signedBy(hsm, hardware))) {
    problems.push(
      `the HSM certificate "${commonName(hsm)}" is not signed by the ${label} "${commonName(hardware)}"`,
    );
  }
  if (!(await signedBy(hardware, root))) {
    problems.push(`the ${label} "${commonName(hardware)}" is not signed by the ${anchor.name}`);
  }
  if (!(await signedBy(root, root))) problems.push(`the ${anchor.name} is not a self-signed root`);
  for (const [what, c] of [
    ['the HSM certificate', hsm],
    [`the ${label}`, hardware],
    [`the ${anchor.name}`, root],
  ] as const) {
    if (!validAt(c, at)) {
      problems.push(
        `${what} "${commonName(c)}" is not valid at ${iso(at)} (valid ${iso(c.notBefore)} to ${iso(c.notAfter)})`,
      );
    }
  }
  const source = anchor.pinned ? `pinned, SHA-256 ${certSha256(root)}` : 'supplied by you';
  return problems.length
    ? { check: check(name, 'fail', problems.join('; ')), note: null }
    : {
        check: check(
          name,
          'pass',
          `"${commonName(hsm)}" ← "${commonName(hardware)}" ← ${anchor.name} (${source}); signatures and validity checked at ${iso(at)}`,
        ),
        note,
      };
}
