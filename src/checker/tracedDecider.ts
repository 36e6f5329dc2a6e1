/**
 * The entry of the decider's tracing build (src/fastpath/build.ts): the tracer first, so that
 * `$T` exists before any traced module runs, then what fastPath.ts drives. Loaded only in that
 * build: nothing imports this file.
 */
export { tracer } from '../fastpath/tracer.ts';
export { CommandError, Kernel } from '../../models/kernel.ts';
export { PageMasks } from '../../models/pageMasks.ts';
export { EventBuffer, evolveContext } from '../reducer/evolve.ts';
export { EVENT_KINDS } from '../events/codecs.ts';
export { stringCode } from '../../models/compile.ts';
