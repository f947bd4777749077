// AWS Signature Version 4, checked the way AWS checks it, written from the published algorithm
// (not the SDK's signer) so that a request the SDK signs wrongly, or one altered after signing,
// is refused here as AWS would refuse it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type SigV4Result =
  { ok: true; accessKeyId: string } | { ok: false; type: string; message: string };

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) =>
  createHmac('sha256', key).update(data).digest();

// RFC 3986 unreserved characters stay; everything else is %XX, upper case (SigV4's UriEncode).
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function canonicalQuery(search: string): string {
  const params = [...new URLSearchParams(search)].map(([k, v]) => [uriEncode(k), uriEncode(v)]);
  params.sort(([a, av], [b, bv]) => (a! < b! ? -1 : a! > b! ? 1 : av! < bv! ? -1 : 1));
  return params.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalPath(path: string): string {
  // Non-S3 services encode each segment once more on top of the wire form.
  return (
    path
      .split('/')
      .map((seg) => uriEncode(decodeURIComponent(seg)))
      .join('/') || '/'
  );
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

export function verifySigV4(
  req: IncomingMessage,
  body: Buffer,
  expected: { region: string; service: string; credentials: FakeCredentials[] },
  now: Date = new Date(),
): SigV4Result {
  const auth = req.headers.authorization;
  const missing = (what: string): SigV4Result => ({
    ok: false,
    type: 'MissingAuthenticationTokenException',
    message: `Missing Authentication Token (${what})`,
  });
  if (!auth) return missing('no Authorization header');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) {
    return {
      ok: false,
      type: 'IncompleteSignatureException',
      message: 'Authorization header requires Credential, SignedHeaders and Signature.',
    };
  }
  const [, akid, day, region, service, signedHeaderList, signature] = m as unknown as string[];
  const creds = expected.credentials.find((c) => c.accessKeyId === akid);
  if (!creds) {
    return {
      ok: false,
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  if (region !== expected.region || service !== expected.service) {
    return {
      ok: false,
      type: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region and to the ${expected.service} service (got ${region}/${service}).`,
    };
  }
  const amzDate = req.headers['x-amz-date'];
  if (
    typeof amzDate !== 'string' ||
    !/^\d{8}T\d{6}Z$/.test(amzDate) ||
    amzDate.slice(0, 8) !== day
  ) {
    return {
      ok: false,
      type: 'IncompleteSignatureException',
      message: 'X-Amz-Date is missing or does not match the credential scope date.',
    };
  }
  const signedAt = Date.parse(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  if (Math.abs(now.getTime() - signedAt) > 5 * 60_000) {
    return {
      ok: false,
      type: 'InvalidSignatureException',
      message: `Signature expired: ${amzDate} is now earlier or later than 5 minutes from the server time.`,
    };
  }
  const signedHeaders = signedHeaderList!.split(';');
  // The operation and the body's type must be covered, or a signed request could be replayed as another.
  for (const h of ['host', 'x-amz-date', 'x-amz-target', 'content-type']) {
    if (!signedHeaders.includes(h)) {
      return {
        ok: false,
        type: 'InvalidSignatureException',
        message: `'${h}' must be a signed header.`,
      };
    }
  }
  if (creds.sessionToken !== undefined) {
    if (
      req.headers['x-amz-security-token'] !== creds.sessionToken ||
      !signedHeaders.includes('x-amz-security-token')
    ) {
      return {
        ok: false,
        type: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      };
    }
  }
  const canonicalHeaders = signedHeaders
    .map((h) => {
      const v = req.headers[h];
      const value = Array.isArray(v) ? v.join(',') : (v ?? '');
      return `${h}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const url = new URL(req.url ?? '/', 'http://fake');
  const canonicalRequest = [
    req.method,
    canonicalPath(url.pathname),
    canonicalQuery(url.search),
    canonicalHeaders,
    signedHeaderList,
    sha256(body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${creds.secretAccessKey}`, day!);
  for (const part of [region!, service!, 'aws4_request']) key = hmac(key, part);
  const mine = hmac(key, stringToSign);
  const theirs = Buffer.from(signature!, 'hex');
  if (theirs.length !== mine.length || !timingSafeEqual(mine, theirs)) {
    return { ok: false, type: 'InvalidSignatureException', message: SIGNATURE_MISMATCH };
  }
  return { ok: true, accessKeyId: akid! };
}
