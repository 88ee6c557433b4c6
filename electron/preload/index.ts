/**
 * The preload: exposes `window.cloudscope` — typed invoke/on over the channels
 * the contract lists, nothing else. No ipcRenderer, no Node objects cross.
 */
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import {
  type CloudscopeApi,
  HELD_EVENT_CHANNELS,
  HeldEvents,
  isEventChannel,
  isInvokeChannel,
} from '../../shared/ipc/contract';

// Registered before any page script runs, so files handed over at launch wait for the app's first listener.
const hold = new HeldEvents();
for (const channel of HELD_EVENT_CHANNELS) {
  ipcRenderer.on(channel, (_e: IpcRendererEvent, payload: unknown) => void hold.arrive(channel, payload));
}

const api: CloudscopeApi = {
  invoke: (channel, ...args) => {
    if (!isInvokeChannel(channel)) return Promise.reject(new Error(`Channel not allowed: ${String(channel)}`));
    return ipcRenderer.invoke(channel, ...args);
  },
  on: (channel, listener) => {
    if (!isEventChannel(channel)) throw new Error(`Channel not allowed: ${String(channel)}`);
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    const { held, release } = hold.subscribe(channel);
    // After `on` returns, as a live event would be.
    for (const payload of held) queueMicrotask(() => listener(payload as never));
    return () => {
      release();
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('cloudscope', api);
