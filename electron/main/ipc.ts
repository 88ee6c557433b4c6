/**
 * Registers main-process handlers against the IPC contract. The implementation
 * table must match `InvokeContract` exactly (checked by the compiler), and each
 * call is checked at run time to come from our own window before it runs.
 */
import type { InvokeChannel, InvokeContract } from '../../shared/ipc/contract';

export type InvokeHandlers = {
  [C in InvokeChannel]: (
    ...args: InvokeContract[C]['args']
  ) => Promise<InvokeContract[C]['result']> | InvokeContract[C]['result'];
};

/** The slice of Electron's ipcMain we use — so tests can pass a fake. */
export interface IpcMainLike {
  handle(
    channel: string,
    listener: (event: { senderFrame?: { url: string } | null }, ...args: unknown[]) => unknown,
  ): void;
}

/** Only pages we loaded ourselves may call in: the packaged file:// app or the dev server. */
export function isTrustedSender(url: string | undefined, devServerUrl?: string): boolean {
  if (!url) return false;
  if (url.startsWith('file://')) return true;
  return !!devServerUrl && url.startsWith(devServerUrl);
}

export function registerHandlers(ipc: IpcMainLike, handlers: InvokeHandlers, devServerUrl?: string): void {
  for (const channel of Object.keys(handlers) as InvokeChannel[]) {
    const fn = handlers[channel] as (...args: unknown[]) => unknown;
    ipc.handle(channel, async (event, ...args) => {
      if (!isTrustedSender(event.senderFrame?.url, devServerUrl)) {
        throw new Error(`Refused ${channel} from an untrusted frame`);
      }
      return fn(...args);
    });
  }
}
