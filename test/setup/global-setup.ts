/**
 * Runs once before any test worker starts. Workers inherit process.env, so anything that must
 * be in the environment at process start (NODE_EXTRA_CA_CERTS for the tenant emulator's CA)
 * is prepared here.
 */
export default async function setup(): Promise<void> {
  // filled in by the tenant emulator (test/emulator/tls.ts)
}
