// Public API of the policy engine. Other modules import from here only; internals may change.
export { compileBundle, STAGES } from './compiler.ts';
export { evaluate } from './evaluate.ts';
export { signBundle, verifyBundle, generateSigningKeys, signedPayload, type SignedBundle } from './signing.ts';
export { BundleHolder, type BundleHolderOptions, type LoadOutcome } from './bundle-holder.ts';
export {
  detect, containsAny, redactFindings, screenForInstructions, luhn, ibanChecksum, DETECTOR_KINDS,
  type DetectorKind, type Finding, type InstructionFinding,
} from './detectors.ts';
export { toolMetaOf } from './tool-meta.ts';
export {
  DEFAULT_COMPILE_OPTIONS,
  type PolicySource, type CompileOptions, type CompileResult, type PolicyBundle, type ToolMeta, type CompiledRule,
  type ToolRules, type SideEffect, type DestinationKind, type ArgDecl, type ArgType,
} from './model.ts';
