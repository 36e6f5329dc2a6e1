/** Linux errno values used by the model (include/uapi/asm-generic/errno-base.h). */
export const EPERM = 1;
export const ESRCH = 3;
export const EAGAIN = 11;
export const ENOMEM = 12;
export const EACCES = 13;
export const EFAULT = 14;
export const EBUSY = 16;
/** not a model result: MAP_FIXED_NOREPLACE's refusal, which the C reproducers can meet */
export const EEXIST = 17;
export const EINVAL = 22;

const NAMES: Record<number, string> = {
  [EPERM]: 'EPERM',
  [ESRCH]: 'ESRCH',
  [EAGAIN]: 'EAGAIN',
  [ENOMEM]: 'ENOMEM',
  [EACCES]: 'EACCES',
  [EFAULT]: 'EFAULT',
  [EBUSY]: 'EBUSY',
  [EEXIST]: 'EEXIST',
  [EINVAL]: 'EINVAL',
};

/** "EINVAL" for 22 (a positive errno), undefined for one the model does not name. */
export const errnoSymbol = (e: number): string | undefined => NAMES[e];

/** "-EINVAL" for -22, the number itself for anything else. */
export const errnoName = (ret: number): string => (ret < 0 && NAMES[-ret] ? `-${NAMES[-ret]}` : String(ret));
export const errnoValue = (name: string): number | undefined => {
  const n = name.replace(/^-/, '');
  for (const [k, v] of Object.entries(NAMES)) if (v === n) return -Number(k);
  return undefined;
};
