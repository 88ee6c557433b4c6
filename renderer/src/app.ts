/** The UI itself: Vue, the stores, the router and every view, mounted on #app. */
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import './styles.css';

export function mountApp(): void {
  createApp(App).use(createPinia()).use(router).mount('#app');
}
