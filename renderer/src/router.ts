import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import AppPage from './views/AppPage.vue';
import AppsView from './views/AppsView.vue';
import DashboardView from './views/DashboardView.vue';
import DataSourcesView from './views/DataSourcesView.vue';
import EntityPage from './views/EntityPage.vue';
import IpsView from './views/IpsView.vue';
import MachinesView from './views/MachinesView.vue';
import SettingsView from './views/SettingsView.vue';
import UsersView from './views/UsersView.vue';

/** The navigation landmark's links, in order; their names are a contract the browser tests rely on. */
export const NAV_ITEMS = [
  { path: '/', name: 'dashboard', label: 'Dashboard', component: DashboardView },
  { path: '/apps', name: 'apps', label: 'Discovered apps', component: AppsView },
  { path: '/ips', name: 'ips', label: 'IP addresses', component: IpsView },
  { path: '/users', name: 'users', label: 'Users', component: UsersView },
  { path: '/machines', name: 'machines', label: 'Machines', component: MachinesView },
  { path: '/sources', name: 'sources', label: 'Data sources', component: DataSourcesView },
  { path: '/settings', name: 'settings', label: 'Settings', component: SettingsView },
] as const;

const routes: RouteRecordRaw[] = [
  ...NAV_ITEMS.map((n) => ({ path: n.path, name: n.name, component: n.component, meta: { title: n.label } })),
  { path: '/apps/:key', name: 'app', component: AppPage, meta: { title: 'Discovered apps', section: 'apps' } },
  {
    path: '/machines/:key',
    name: 'machine',
    component: EntityPage,
    props: { kind: 'machine' },
    meta: { title: 'Machines', section: 'machines' },
  },
  {
    path: '/ips/:key',
    name: 'ip',
    component: EntityPage,
    props: { kind: 'ip' },
    meta: { title: 'IP addresses', section: 'ips' },
  },
  {
    path: '/users/:key',
    name: 'user',
    component: EntityPage,
    props: { kind: 'user' },
    meta: { title: 'Users', section: 'users' },
  },
  { path: '/:pathMatch(.*)*', redirect: '/' },
];

// Hash history: works from file:// in Electron and from any static server.
export const router = createRouter({ history: createWebHashHistory(), routes });
