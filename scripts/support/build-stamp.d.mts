export const INPUTS: string[];
export const STANDALONE: string;
export const STAMP_FILE: string;
export function inputsHash(root: string): string;
export function isBuildCurrent(root: string): boolean;
