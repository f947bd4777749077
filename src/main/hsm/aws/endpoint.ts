// Where the CloudHSM API is reached: AWS's regional endpoint unless an override is given (a VPC
// interface endpoint, or a loopback fake in tests). The override must be https, except plain
// http on this machine's loopback, where nothing crosses a network to be read or altered.
import { isIP } from 'node:net';
import { ErrorCode, OlocusError } from '../../../shared/errors';

const REGION = /^[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}$/;

export function checkRegion(region: string): string {
  if (!REGION.test(region)) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `"${region}" is not an AWS region; use a name such as eu-west-1.`,
    );
  }
  return region;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1';
  return false;
}

/** The endpoint as the SDK wants it, refused when it would send signed requests in clear text. */
export function checkEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      `The endpoint "${text}" is not a URL; give one such as https://cloudhsmv2.eu-west-1.amazonaws.com.`,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new OlocusError(
      ErrorCode.INVALID_INPUT,
      'The endpoint must be a plain scheme://host[:port][/path] URL, without credentials, query or fragment.',
    );
  }
  if (url.protocol === 'https:') return url.toString().replace(/\/$/, '');
  if (url.protocol === 'http:' && isLoopback(url.hostname)) {
    return url.toString().replace(/\/$/, '');
  }
  throw new OlocusError(
    ErrorCode.INVALID_INPUT,
    url.protocol === 'http:'
      ? `The endpoint ${url.host} would be reached over plain http; only https is accepted, or http on this machine's loopback (127.0.0.1, ::1, localhost).`
      : `The endpoint must be an https URL (got ${url.protocol}).`,
  );
}
