/** Types of bin/bundle.js (plain JavaScript: it runs before any TypeScript loader). */
export declare const BUNDLE_DIR: string;
export declare const bundle: (names: readonly ('cli' | 'worker' | 'pfnmap-model' | 'bench-ours')[]) => Record<string, string>;
