/** Types of inlineAccessors.js (plain JavaScript: bin/bundle.js runs it before any TypeScript loader). */
import type * as TS from 'typescript';
export declare const inlineAccessors: (ts: typeof TS, code: string) => { code: string; inlined: Record<string, number> };
