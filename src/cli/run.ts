// Runs the CLI from sources (node --import tsx src/cli/run.ts …): tests and development.
import { main } from './index';

process.exitCode = await main(process.argv.slice(2));
