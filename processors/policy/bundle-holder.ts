// BundleHolder: the active PolicyBundle, swapped atomically. A new bundle is verified (when signing is required)
// and compiled off the hot path; only a bundle that passes both replaces the active one. On rejection the
// previous bundle stays active and the problems are returned as data.

import type { KeyObject } from 'node:crypto';
import type { Problem } from '../core/errors.ts';
import type { CompileOptions, PolicyBundle } from './model.ts';
import { compileBundle } from './compiler.ts';
import { verifyBundle, type SignedBundle } from './signing.ts';

export interface BundleHolderOptions {
  readonly requireSignature: boolean;
  /** keyId -> Ed25519 public key (KeyObject or PEM). */
  readonly trustedKeys: Readonly<Record<string, KeyObject | string>>;
  readonly compile?: CompileOptions;
}

export interface LoadOutcome {
  readonly accepted: boolean;
  /** Revision of the bundle now active (the new one when accepted, else the previous one, "" if none). */
  readonly activeRevision: string;
  readonly problems: readonly Problem[];
}

export class BundleHolder {
  private active: PolicyBundle | undefined;
  private readonly options: BundleHolderOptions;

  constructor(options: BundleHolderOptions) {
    this.options = options;
  }

  /** The active bundle; read it once per decision so one decision never mixes two bundles. */
  current(): PolicyBundle | undefined {
    return this.active;
  }

  load(signed: SignedBundle): LoadOutcome {
    const rejected = (problems: readonly Problem[]): LoadOutcome => ({ accepted: false, activeRevision: this.active?.revision ?? '', problems });
    if (this.options.requireSignature) {
      const sigProblems = verifyBundle(signed, this.options.trustedKeys);
      if (sigProblems.length > 0) return rejected(sigProblems);
    }
    const { bundle, problems } = compileBundle(signed.sources, this.options.compile);
    if (bundle === undefined) return rejected(problems);
    this.active = bundle;
    return { accepted: true, activeRevision: bundle.revision, problems };
  }
}
