// What a field that holds a secret is called. Used twice: the contract drops such keys from the
// one free-form response (the effective HSM config), and a test walks every response and event
// schema and fails if any field is named like one. Only the last word of a name counts, so
// `secretId`, `pinSource` and `soPinLocked` (identifiers and flags) are not secrets, while
// `pin`, `userPin`, `so_pin`, `shareText` and `passphrase` are.

const SECRET_WORDS = new Set([
  'pin',
  'pins',
  'passphrase',
  'passphrases',
  'password',
  'passwords',
  'share',
  'shares',
  'secret',
  'secrets',
]);
/** Two-word names whose last word alone says nothing (`text`, `value`, `material`). */
const SECRET_PAIRS = new Set(['sharetext', 'pinvalue', 'keymaterial', 'privatekey']);

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[\s_\-.]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

export function isSecretName(name: string): boolean {
  const w = words(name);
  const last = w.at(-1) ?? '';
  return SECRET_WORDS.has(last) || SECRET_PAIRS.has(w.slice(-2).join(''));
}
