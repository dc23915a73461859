export interface Budget {
  budget: number;
  goal: number;
}
export const BUDGETS: Record<string, number>;
export const GOALS: Record<string, number>;
export function budgetOf(route: string): Budget;
export interface RouteSize {
  route: string;
  chunks: number;
  rawBytes: number;
  gzipBytes: number;
}
export function routeSizes(root: string): {
  routes: RouteSize[];
  sharedChunks: number;
  sharedGzipBytes: number;
  frameworkGzipBytes: number;
  buildId: string;
};
