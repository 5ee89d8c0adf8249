import type { FeatureContext } from './host';

// One shape for every job of the plugin: what it does while the plugin loads (before Serverless
// and the other plugins read the configuration) and in each packaging or deployment phase.
// plugin.ts runs the registered features (registry.ts), in order, at each hook.

export type Phase = 'layers' | 'compile' | 'finalize' | 'upload';

export interface Feature {
  name: string;
  load?(ctx: FeatureContext): void;
  /** after:package:compileLayers: handlers bundled and zipped, functions not compiled yet. */
  layers?(ctx: FeatureContext): void | Promise<void>;
  /** package:compileEvents: functions compiled, every variable resolved; add to the template. */
  compile?(ctx: FeatureContext): void | Promise<void>;
  /** after:package:finalize: the package folder is settled. */
  finalize?(ctx: FeatureContext): void | Promise<void>;
  /** after:aws:deploy:deploy:uploadArtifacts: before the stack update. */
  upload?(ctx: FeatureContext): void | Promise<void>;
}
