// The only bridge between the page and main: one plain async function per channel and `on`
// for what main pushes. No ipcRenderer, no event objects and no getters reach the page.
import { contextBridge, ipcRenderer } from 'electron';
import { CHANNEL_NAMES, EVENT_NAMES, IPC_PREFIX, type EventName } from '../contract/channel-names.ts';

const api: Record<string, unknown> = {};
for (const channel of CHANNEL_NAMES) {
  api[channel] = (req: unknown) => ipcRenderer.invoke(IPC_PREFIX + channel, req ?? {});
}
api.on = (event: EventName, handler: (data: unknown) => void): (() => void) => {
  if (!(EVENT_NAMES as readonly string[]).includes(event) || typeof handler !== 'function') return () => {};
  const listener = (_e: unknown, data: unknown) => handler(data);
  ipcRenderer.on(`${IPC_PREFIX}event:${event}`, listener);
  return () => {
    ipcRenderer.removeListener(`${IPC_PREFIX}event:${event}`, listener);
  };
};

contextBridge.exposeInMainWorld('api', api);
