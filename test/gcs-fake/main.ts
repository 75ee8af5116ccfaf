/**
 * Runs the GCS fake as its own process:
 *   npm run gcs-fake -- [--port 0] [--host 127.0.0.1] [--seed 1] [--bucket NAME]… [--versioned-bucket NAME]…
 *     [--retention-bucket NAME:SECONDS]…  (a bucket with a retention policy of SECONDS)
 * Prints exactly one line to stdout when ready, `{"endpoint":"http://127.0.0.1:<port>"}`, and
 * serves until SIGTERM or SIGINT. Diagnostics go to stderr.
 */
import { startGcsFake, type GcsFakeOptions } from './index.js';

function parseArgs(argv: string[]): GcsFakeOptions {
  const options: GcsFakeOptions = { buckets: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const need = () => {
      if (value === undefined) throw new Error(`${flag} needs a value`);
      i++;
      return value;
    };
    if (flag === '--port') options.port = Number(need());
    else if (flag === '--host') options.host = need();
    else if (flag === '--seed') options.seed = Number(need());
    else if (flag === '--bucket') options.buckets?.push(need());
    else if (flag === '--versioned-bucket') options.buckets?.push({ name: need(), versioning: true });
    else if (flag === '--retention-bucket') {
      const [name = '', seconds = ''] = need().split(':');
      options.buckets?.push({ name, retentionPeriod: Number(seconds) });
    } else throw new Error(`unknown option ${flag}`);
  }
  if (options.port !== undefined && !(Number.isInteger(options.port) && options.port >= 0 && options.port < 65536)) {
    throw new Error('--port must be 0..65535');
  }
  return options;
}

async function main(): Promise<void> {
  const fake = await startGcsFake(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify({ endpoint: fake.endpoint })}\n`);
  const stop = () => {
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`gcs-fake: ${(err as Error).message}\n`);
  process.exit(2);
});
