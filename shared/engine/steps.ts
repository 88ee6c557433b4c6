/**
 * Computations written as generators that yield between their stages (`dailySteps`, `tableSteps`, `riskSteps`,
 * …): run to the end at once, or stage by stage awaiting something between them so a worker stays responsive.
 */

/** Runs every stage at once and returns the result. */
export function runSteps<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** Runs the stages, awaiting `between` before each (a pause, or a quiet moment), and returns the result. */
export async function stepped<T>(steps: Generator<void, T>, between: () => Promise<void>): Promise<T> {
  for (;;) {
    await between();
    const step = steps.next();
    if (step.done) return step.value;
  }
}
