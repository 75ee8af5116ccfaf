/** Messages between the parent process and the deploy-cli worker (see worker.ts). */

export interface DeployCliCredentials {
  domain: string;
  clientId?: string;
  clientSecret?: string;
  accessToken?: string;
}

export interface DumpRequest {
  kind: 'dump';
  credentials: DeployCliCredentials;
  outputFolder: string;
  /** Write real secret values instead of ##PLACEHOLDER## (AUTH0_EXPORT_SECRETS). */
  exportSecrets: boolean;
  excluded?: string[];
  includedOnly?: string[];
  apiMaxRetries: number;
}

export interface DeployRequest {
  kind: 'deploy';
  credentials: DeployCliCredentials;
  /** Path to tenant.yaml (or a directory). */
  inputFile: string;
  allowDelete: boolean;
  excluded?: string[];
  includedOnly?: string[];
  keywordMappings?: Record<string, unknown>;
  apiMaxRetries: number;
}

export type WorkerRequest = DumpRequest | DeployRequest;

export type WorkerMessage =
  | { type: 'log'; level: string; message: string }
  | { type: 'done'; summary?: Record<string, { created: number; updated: number; deleted: number }> }
  | { type: 'error'; message: string; resourceType?: string; stage?: string };
