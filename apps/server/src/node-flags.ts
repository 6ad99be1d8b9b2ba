/**
 * The V8 flags the server process runs with (peak RSS under `npm run bench` ≤ 160 MB). `npm start`,
 * `npm run start:prod` (which the benchmark runs), the Dockerfile's CMD and the multi-process tests
 * all start it with exactly these (test/docs/node-flags.spec.ts checks package.json and the Dockerfile):
 * - `--max-semi-space-size=8`: the young generation grows to 2 × 8 MB instead of 2 × 16 MB. Short-lived
 *   request garbage still dies young at these request rates.
 * - `--heap-growing-percent=50`: after a full collection the old generation may grow by half of what
 *   is live, not by up to 4×, so garbage left by bursts of page rendering and registrations is
 *   collected before it inflates the heap.
 * Neither can be set after start (V8 reads them when the heap is created), so they are command-line
 * flags, not code in main.ts.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=50'];
