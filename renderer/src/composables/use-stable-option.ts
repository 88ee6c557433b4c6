import { type ComputedRef, computed } from 'vue';

/**
 * A chart's option built from `input` (everything the option is made of: data, theme, flags), built again only when
 * the input's data changes (compared as JSON). A dashboard is answered twice — its tables first, then with risk and
 * signals — and a new answer is a new object even where a chart's data is the same: redrawing all five charts for
 * nothing took a few hundred milliseconds of the page's main thread before the risk widgets showed.
 */
export function useStableOption<T, O>(input: () => T, build: (x: T) => O): ComputedRef<O> {
  let key: string | undefined;
  let option: O;
  return computed(() => {
    const x = input();
    const k = JSON.stringify(x);
    if (k !== key) {
      key = k;
      option = build(x);
    }
    return option;
  });
}
