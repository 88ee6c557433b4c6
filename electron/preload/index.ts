/**
 * The preload: exposes `window.cloudscope` — typed invoke/on over the channels
 * the contract lists, nothing else. No ipcRenderer, no Node objects cross.
 */
import { contextBridge, type IpcRendererEvent, ipcRenderer } from 'electron';
import { type CloudscopeApi, isEventChannel, isInvokeChannel } from '../../shared/ipc/contract';

const api: CloudscopeApi = {
  invoke: (channel, ...args) => {
    if (!isInvokeChannel(channel)) return Promise.reject(new Error(`Channel not allowed: ${String(channel)}`));
    return ipcRenderer.invoke(channel, ...args);
  },
  on: (channel, listener) => {
    if (!isEventChannel(channel)) throw new Error(`Channel not allowed: ${String(channel)}`);
    const wrapped = (_e: IpcRendererEvent, payload: unknown) => listener(payload as never);
    ipcRenderer.on(channel, wrapped);
    return () => ipcRenderer.removeListener(channel, wrapped);
  },
};

contextBridge.exposeInMainWorld('cloudscope', api);
