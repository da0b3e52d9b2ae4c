/** One environment variable a service reads: the README tables and the k8s manifest checks use these lists. */
export interface EnvVarSpec {
  readonly name: string;
  /**
   * The value used when the variable is unset or blank, as an operator would write it. `undefined`
   * = required, or computed (the description says from what).
   */
  readonly default: string | undefined;
  readonly description: string;
  /**
   * Whole-number variables: the allowed values, inclusive (no max = no upper bound). EnvReader.integer
   * enforces it and the README tables print it, so the two cannot drift.
   */
  readonly range?: readonly [min: number, max?: number];
}
