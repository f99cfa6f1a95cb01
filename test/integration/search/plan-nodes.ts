/** EXPLAIN (FORMAT JSON) plan nodes, as the plan-shape tests read them. */
export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Parent Relationship'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** Every node of the plan. */
export const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/** The statement's own tree: without the per-row checks and InitPlans (the access filter's reach query) hanging off it. */
export const mainNodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).filter((c) => !/SubPlan|InitPlan/.test(c['Parent Relationship'] ?? '')).flatMap(mainNodes)];
