import { computed, ref } from 'vue';
import { useRoute } from 'vue-router';

/**
 * The Machines and Users tables' risk-level filter: the level shown only ('' = any), opened at the route's `?risk=`
 * (the dashboard's Riskiest devices open Machines at High), and the table filters it makes.
 */
export function useRiskFilter() {
  const route = useRoute();
  const risk = ref(typeof route.query.risk === 'string' ? route.query.risk : '');
  const filters = computed(() => ({ riskLevel: risk.value || null }));
  return { risk, filters };
}
