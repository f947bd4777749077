// Child process of test/integration/audit-crash.test.ts: resumes the ledger (recovering a torn
// tail if there is one) and appends until it is killed. It prints "ack SEQ HASH" only after
// append() resolved, i.e. after the record was written and fsynced: the parent holds the ledger
// to every acknowledgement. Run as: node --import tsx ledger-writer.ts LEDGER KEY.pem
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Ledger, softwareSigner } from '../../src/main/audit';

const [path, keyFile] = process.argv.slice(2);
if (!path || !keyFile) {
  console.error('usage: ledger-writer.ts LEDGER KEY.pem');
  process.exit(2);
}
const signer = softwareSigner(createPrivateKey(readFileSync(keyFile)));
const { ledger, recovered } = await Ledger.open(path, { signer, actor: 'crash-writer' });
// stdout is a pipe, and pipe writes are synchronous on Linux: a line printed is a line delivered.
process.stdout.write(`ready ${ledger.length} ${recovered ? recovered.tornBytes : 0}\n`);
for (let i = 0; ; i++) {
  const record =
    i % 25 === 24
      ? await ledger.signHead({ actor: 'crash-writer', step: null })
      : await ledger.append({
          actor: 'crash-writer',
          step: `pid-${process.pid}`,
          type: 'test.tick',
          data: { i, pid: process.pid, padding: 'x'.repeat((i * 37) % 300) },
        });
  process.stdout.write(`ack ${record.seq} ${record.hash}\n`);
}
