/** Types of buildManifest.js (plain JavaScript: bin/bundle.js runs it before any TypeScript loader). */
export declare const tmpSuffix: string;
export declare const freshOutput: (root: string, manifestFile: string) => string | null;
export declare const writeManifest: (manifestFile: string, out: string, root: string, inputs: readonly string[], startedAt: number) => boolean;
