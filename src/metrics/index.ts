/** Prometheus metrics of snapshot runs: textfile and Pushgateway (docs/metrics.md). */
export { buildRegistry, METRIC, OUTCOMES, type BuildOptions, type LastSuccess, type RunOutcome, type SnapshotRunRecord } from './snapshot-metrics.js';
export { lastSuccessFrom, parseExposition, readLastSuccess, updateMetricsFile, writeMetricsFile, type Sample } from './textfile.js';
export { checkPushgatewayUrl, pushMetrics, PUSH_JOB, type PushOptions } from './pushgateway.js';
