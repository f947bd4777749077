// What the SDK throws, as the ceremony's error codes with a sentence an officer can act on. The
// AWS error name stays in the sentence, because it is what AWS support and IAM policies speak.
import { ErrorCode, OlocusError, isOlocusError } from '../../../shared/errors';

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const AUTH: Record<string, string> = {
  UnrecognizedClientException:
    'AWS does not recognise the access key id (UnrecognizedClientException); check AWS_ACCESS_KEY_ID or the profile in use',
  InvalidClientTokenId:
    'AWS does not recognise the access key id (InvalidClientTokenId); check AWS_ACCESS_KEY_ID or the profile in use',
  InvalidSignatureException:
    "AWS rejected the request signature (InvalidSignatureException); the secret access key does not belong to the access key id, or this machine's clock is wrong",
  SignatureDoesNotMatch:
    'AWS rejected the request signature (SignatureDoesNotMatch); the secret access key does not belong to the access key id',
  ExpiredTokenException:
    'the AWS session token has expired (ExpiredTokenException); sign in again (e.g. aws sso login) and retry',
  AccessDeniedException:
    'these AWS credentials may not call CloudHSM here (AccessDeniedException); an IAM policy must allow it',
  CloudHsmAccessDeniedException:
    'these AWS credentials may not call CloudHSM here (CloudHsmAccessDeniedException); an IAM policy must allow it',
};

const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EHOSTUNREACH']);

/** Turns whatever a CloudHSM call threw into an OlocusError; `doing` says what was attempted. */
export function cloudHsmError(e: unknown, doing: string, where: string): OlocusError {
  if (isOlocusError(e)) return e;
  const err = (e ?? {}) as SdkError;
  const name = err.name ?? '';
  const message = err.message ?? String(e);
  if (name === 'CredentialsProviderError') {
    return new OlocusError(
      ErrorCode.AUTHENTICATION_FAILED,
      `No AWS credentials were found to ${doing}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with ~/.aws/config, or sign in with "aws sso login". The EC2 instance metadata service was not asked; on an EC2 instance with a role, pass --instance-metadata.`,
      { cause: e },
    );
  }
  const auth = AUTH[name];
  if (auth) {
    return new OlocusError(ErrorCode.AUTHENTICATION_FAILED, `Could not ${doing}: ${auth}.`, {
      cause: e,
    });
  }
  if (name === 'CloudHsmResourceNotFoundException') {
    return new OlocusError(ErrorCode.TOKEN_NOT_FOUND, `Could not ${doing}: ${message}`, {
      cause: e,
    });
  }
  if (name === 'CloudHsmInvalidRequestException' || name === 'ValidationException') {
    return new OlocusError(ErrorCode.INVALID_INPUT, `CloudHSM refused to ${doing}: ${message}`, {
      cause: e,
    });
  }
  if (name === 'ThrottlingException') {
    return new OlocusError(
      ErrorCode.TIMEOUT,
      `CloudHSM is throttling requests (ThrottlingException); wait and retry.`,
      { cause: e },
    );
  }
  const code = err.code ?? (e as { cause?: { code?: string } })?.cause?.code;
  if ((code && NETWORK.has(code)) || name === 'TimeoutError') {
    return new OlocusError(
      ErrorCode.CONNECTION_FAILED,
      `Could not reach the CloudHSM API at ${where} to ${doing} (${code ?? name}).`,
      { cause: e },
    );
  }
  const status = err.$metadata?.httpStatusCode;
  return new OlocusError(
    ErrorCode.OPERATION_FAILED,
    `CloudHSM failed to ${doing}: ${name || 'error'}${status ? ` (HTTP ${status})` : ''}: ${message}`,
    { cause: e },
  );
}
