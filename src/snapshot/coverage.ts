/**
 * The coverage ledger: what a snapshot captured, and what it could not, with the reason and
 * what a restore will do about it. Written as coverage.json; its summary goes in the manifest.
 */
export interface CoverageItem {
  item: string;
  captured: boolean;
  count?: number;
  reason?: string;
  restoreAction?: string;
}

export class CoverageLedger {
  private readonly items: CoverageItem[] = [];

  captured(item: string, count?: number): void {
    this.items.push({ item, captured: true, ...(count === undefined ? {} : { count }) });
  }

  missing(item: string, reason: string, restoreAction: string, count?: number): void {
    this.items.push({ item, captured: false, reason, restoreAction, ...(count === undefined ? {} : { count }) });
  }

  toJSON(): CoverageItem[] {
    return [...this.items];
  }
}

/** Gaps every snapshot has, because the Management API never returns these. */
export function recordPlatformGaps(ledger: CoverageLedger, options: { secretsExported: boolean; nonDatabaseUsers: number }): void {
  ledger.missing(
    'password hashes',
    'the Management API never returns password hashes (Auth0 data export policy)',
    'users are imported without passwords and must reset them, unless `restore --password-hashes <file>` merges the export Auth0 support provides',
  );
  ledger.missing('MFA secrets', 'never returned by the API', 'users re-enroll MFA, unless the support export supplies mfa_factors');
  if (!options.secretsExported) {
    ledger.missing(
      'configuration secrets',
      'deploy-cli writes ##PLACEHOLDER## values for connection, log stream and email provider secrets',
      'restore/clone re-inject them from keyword mappings; unmapped placeholders are kept unchanged in the target',
    );
  }
  if (options.nonDatabaseUsers > 0) {
    ledger.missing(
      'social and enterprise users (import)',
      'bulk import accepts only database-connection users',
      'they are listed in the restore report and come back on their next login',
      options.nonDatabaseUsers,
    );
  }
}
