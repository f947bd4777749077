import type { MessagePort } from 'node:worker_threads';

// Messages between the main thread and the PKCS#11 worker threads. Each request is one
// compound operation (e.g. SignInit + Sign) so that a round trip costs one message, and
// requests travel in batches so that many operations in flight share one postMessage.

/** A PKCS#11 object, session or slot handle as pkcs11js returns it (8 bytes, native order). */
export type Handle = Uint8Array;

export interface Attr {
  type: number;
  value?: number | boolean | string | Uint8Array;
}

export interface Mech {
  mechanism: number;
  parameter?: Uint8Array | number | ({ type: number } & Record<string, unknown>);
}

/** Software hashing done on the worker before C_Sign/C_Verify, when the token lacks the hashed mechanism. */
export interface Prehash {
  hash: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  /** DER DigestInfo prefix for CKM_RSA_PKCS. */
  prefix?: Uint8Array;
}

export type Op =
  | { op: 'info' }
  | { op: 'slots'; tokenPresent: boolean }
  | { op: 'mechanisms'; slot: Handle }
  | { op: 'openSession'; slot: Handle; rw: boolean }
  | { op: 'closeSession'; session: Handle }
  | { op: 'closeAllSessions'; slot: Handle }
  | { op: 'sessionInfo'; session: Handle }
  | { op: 'login'; session: Handle; userType: number; pin: Uint8Array }
  | { op: 'logout'; session: Handle }
  | { op: 'initToken'; slot: Handle; soPin: Uint8Array; label: string }
  | { op: 'initPin'; session: Handle; pin: Uint8Array }
  | { op: 'setPin'; session: Handle; oldPin: Uint8Array; newPin: Uint8Array }
  | { op: 'find'; session: Handle; template: Attr[]; max: number }
  | { op: 'getAttributes'; session: Handle; handle: Handle; types: number[] }
  | {
      op: 'sign';
      session: Handle;
      mech: Mech;
      key: Handle;
      data: Uint8Array;
      outLen: number;
      prehash?: Prehash;
    }
  | {
      op: 'verify';
      session: Handle;
      mech: Mech;
      key: Handle;
      data: Uint8Array;
      signature: Uint8Array;
      prehash?: Prehash;
    }
  | {
      op: 'encrypt';
      session: Handle;
      mech: Mech;
      key: Handle;
      data: Uint8Array;
      outLen: number;
      /**
       * Reply `{ ciphertext, iv }` with the parameter's `iv` as it is after the call: a module may
       * write the IV it generated into CK_GCM_PARAMS.pIv (AWS CloudHSM does).
       */
      returnIv?: boolean;
    }
  | { op: 'decrypt'; session: Handle; mech: Mech; key: Handle; data: Uint8Array; outLen: number }
  | { op: 'generateKey'; session: Handle; mech: Mech; template: Attr[] }
  | {
      op: 'generateKeyPair';
      session: Handle;
      mech: Mech;
      publicTemplate: Attr[];
      privateTemplate: Attr[];
    }
  | { op: 'wrap'; session: Handle; mech: Mech; wrappingKey: Handle; key: Handle }
  | {
      op: 'unwrap';
      session: Handle;
      mech: Mech;
      unwrappingKey: Handle;
      wrapped: Uint8Array;
      template: Attr[];
    }
  | { op: 'destroy'; session: Handle; handle: Handle }
  | { op: 'setAttributes'; session: Handle; handle: Handle; template: Attr[] }
  | { op: 'createObject'; session: Handle; template: Attr[]; secretValue?: Uint8Array }
  // Key transfer: each a whole leg in one round trip, so an ephemeral key lives only inside it.
  | {
      op: 'wrapEphemeral';
      session: Handle;
      /** The ephemeral AES key's generation (session object, extractable, wrap). */
      generate: Mech;
      ephTemplate: Attr[];
      /** The key to move, wrapped under the ephemeral key with `inner` (KWP). */
      key: Handle;
      inner: Mech;
      /** The ephemeral key, wrapped under `wrappingKey` (the transport public key) with `outer` (OAEP). */
      wrappingKey: Handle;
      outer: Mech;
    }
  | {
      op: 'unwrapChain';
      session: Handle;
      unwrappingKey: Handle;
      /** rsa-aes-kwp: first the ephemeral key (OAEP) from the head of the blob; destroyed after. */
      first?: { mech: Mech; wrapped: Uint8Array; template: Attr[] };
      mech: Mech;
      wrapped: Uint8Array;
      template: Attr[];
      /** The pair's public half, created right after the private key. */
      publicTemplate?: Attr[];
    }
  | { op: 'finalize' };

export type OpName = Op['op'];

export interface Request {
  id: number;
  body: Op;
}

export interface WireError {
  message: string;
  /** CKR_* name when the module returned one. */
  ckr?: string;
  rv?: number;
  /** The session may still hold a half-finished operation; it should not be reused. */
  tainted?: boolean;
}

export type Reply =
  { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

export interface WorkerInit {
  modulePath: string;
  initArgs?: string;
  /** Only one thread in the process calls C_Initialize with these; the others tolerate it. */
  initialize: boolean;
  /** Where a worker thread sends its replies (the main thread's end polls it between its own calls). */
  replies?: MessagePort;
}

export interface SlotEntry {
  slot: Handle;
  slotInfo: {
    slotDescription: string;
    manufacturerID: string;
    flags: number;
    hardwareVersion: { major: number; minor: number };
    firmwareVersion: { major: number; minor: number };
  };
  tokenInfo: Record<string, unknown> | null;
}
