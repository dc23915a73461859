import type { LaunchOptions } from "@playwright/test";

export const SYSTEM_CHROMIUM: string;
export const SYSTEM_CHROMIUM_ARGS: string[];
export const HOW_TO_GET_CHROMIUM: string;
export function findChromium(): { source: string; launchOptions: LaunchOptions } | null;
