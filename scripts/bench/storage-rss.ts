/**
 * Benchmark: push a large generated stream to the GCS fake through the gcs backend and read it
 * back, hashing (sha256) both ways, and report the peak resident memory of THIS process.
 *
 *   npx tsx scripts/bench/storage-rss.ts [--size-mb 1024] [--chunk-mb 8] [--compiled]
 *
 * --compiled first compiles this script and the storage layer with tsc (into
 * scripts/bench/out/build) and runs the JavaScript with plain node, as the CLI runs in
 * production; without it, tsx's own loader (~30 MB) is part of the measured process.
 *
 * The fake runs as a separate process (its memory is not counted). Results go to stdout and
 * to scripts/bench/out/storage-rss.json (gitignored). Goal: peak RSS < 150 MB for 1 GiB.
 * Peak RSS is reported two ways: sampled every 20 ms, and the kernel's ru_maxrss for the whole
 * process lifetime (which includes module loading).
 */
import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { openStorage } from '../../src/storage/registry.js';

const MIB = 1024 * 1024;

/** The repository root: the nearest directory above this file with a0vault's package.json. */
function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !readFileSync(path.join(dir, 'package.json'), 'utf8').includes('"name": "a0vault"')) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the a0vault repository root');
    dir = parent;
  }
  return dir;
}
const repoRoot = findRepoRoot();

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a positive number`);
  return value;
}

/** `size` pseudo-random bytes (AES-256-CTR keystream), produced 1 MiB at a time. */
function generated(size: number): Readable {
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update('storage-rss').digest(), Buffer.alloc(16));
  const zeros = Buffer.alloc(MIB);
  let produced = 0;
  return new Readable({
    read() {
      if (produced >= size) return void this.push(null);
      const n = Math.min(MIB, size - produced);
      produced += n;
      this.push(cipher.update(zeros.subarray(0, n)));
    },
  });
}

function hashingTap(onDone: (sha256: string) => void): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      onDone(hash.digest('hex'));
      callback();
    },
  });
}

async function startFakeProcess() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/gcs-fake/main.ts', '--port', '0', '--bucket', 'bench'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return {
    endpoint,
    pid: child.pid,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Compiles this script with tsc and runs the result with plain node, passing the options on. */
async function runCompiled(): Promise<void> {
  const outDir = path.join(repoRoot, 'scripts/bench/out/build');
  const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
  const flags = ['--outDir', outDir, '--rootDir', repoRoot, '--module', 'nodenext', '--moduleResolution', 'nodenext'];
  flags.push('--target', 'es2022', '--skipLibCheck', '--esModuleInterop', '--resolveJsonModule', '--types', 'node');
  const compile = spawn(process.execPath, [tsc, path.join(repoRoot, 'scripts/bench/storage-rss.ts'), ...flags], { stdio: 'inherit' });
  const [compiled] = (await once(compile, 'exit')) as [number | null];
  if (compiled !== 0) throw new Error('tsc failed');
  const args = process.argv.slice(2).filter((a) => a !== '--compiled');
  const run = spawn(process.execPath, [path.join(outDir, 'scripts/bench/storage-rss.js'), ...args], { stdio: 'inherit' });
  const [code] = (await once(run, 'exit')) as [number | null];
  process.exitCode = code ?? 1;
}

async function main(): Promise<void> {
  if (process.argv.includes('--compiled')) return runCompiled();
  const size = Math.round(option('size-mb', 1024) * MIB);
  const chunkSize = Math.round(option('chunk-mb', 8) * MIB);
  const fake = await startFakeProcess();
  let peakRss = process.memoryUsage().rss;
  const baselineRss = peakRss;
  const peaks = { heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peaks.heapUsed = Math.max(peaks.heapUsed, m.heapUsed);
    peaks.external = Math.max(peaks.external, m.external);
    peaks.arrayBuffers = Math.max(peaks.arrayBuffers, m.arrayBuffers);
  }, 20);
  const signal = new AbortController().signal;
  try {
    const backend = openStorage('gs://bench/storage-rss', { gcsEndpoint: fake.endpoint, projectId: 'bench', gcsChunkSize: chunkSize });
    const sentHashes: string[] = [];
    const source = () => generated(size).pipe(hashingTap((sha) => sentHashes.push(sha)));

    const upStart = process.hrtime.bigint();
    const info = await backend.put('one-gib.bin', source, { signal, size, contentType: 'application/octet-stream' });
    const upSeconds = Number(process.hrtime.bigint() - upStart) / 1e9;
    const rssAfterUpload = peakRss;

    let receivedSha = '';
    let receivedBytes = 0;
    const downStart = process.hrtime.bigint();
    await backend.get(
      'one-gib.bin',
      async (stream) => {
        const hash = createHash('sha256');
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          hash.update(chunk);
          receivedBytes += chunk.length;
        }
        receivedSha = hash.digest('hex');
      },
      { signal },
    );
    const downSeconds = Number(process.hrtime.bigint() - downStart) / 1e9;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const sentSha = sentHashes.at(-1);
    const ok = sentSha === info.sha256 && receivedSha === sentSha && receivedBytes === size && info.size === size;
    const mb = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
    const result = {
      measuredAt: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      sizeBytes: size,
      chunkSizeBytes: chunkSize,
      sourceReads: sentHashes.length,
      upload: { seconds: Math.round(upSeconds * 10) / 10, mibPerSecond: mb(size / upSeconds) },
      download: { seconds: Math.round(downSeconds * 10) / 10, mibPerSecond: mb(size / downSeconds) },
      rssMiB: {
        baseline: mb(baselineRss),
        peakSampledDuringUpload: mb(rssAfterUpload),
        peakSampled: mb(peakRss),
        maxRssWholeProcess: mb(process.resourceUsage().maxRSS * 1024),
        peakHeapUsed: mb(peaks.heapUsed),
        peakExternal: mb(peaks.external),
        peakArrayBuffers: mb(peaks.arrayBuffers),
      },
      runner: process.execArgv.join(' ') || 'node',
      goalMiB: 150,
      hashesMatch: ok,
      sha256: sentSha,
    };
    await mkdir(path.join(repoRoot, 'scripts/bench/out'), { recursive: true });
    await writeFile(path.join(repoRoot, 'scripts/bench/out/storage-rss.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!ok) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    await fake.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`storage-rss: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
